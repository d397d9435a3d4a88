"""Issue 16: who can act as an identity, credential paths coming back, escalation and exposure,
over hand-made `terraform show -json` plans. Each rule in both directions (tightening is low),
with unknown and sensitive values, and with benign counterparts."""

import pytest
from review_helpers import ACCOUNT, CONTAINER, RG, UAI_ID, VAULT, grant, plan, rc, review

FIC = "azurerm_federated_identity_credential.ci"
APP = "azurerm_container_app.web"
RA = "azurerm_role_assignment.app"
ISSUER = "https://token.actions.githubusercontent.com"
AUDIENCE = ["api://AzureADTokenExchange"]
OTHER_UAI = UAI_ID.replace("id-app", "id-admin")


def flags(tmp_path, doc):
    result = review(tmp_path, doc, "--format", "json")
    assert result.code in (0, 1), f"expected a review, got exit {result.code}: {result.err}"
    return result


def by_rule(result, rule):
    return [f for f in result.json()["flags"] if f["rule"] == rule]


def only_low(result):
    got = {(f["severity"], f["rule"]) for f in result.json()["flags"]}
    assert {s for s, _ in got} == {"low"}, f"expected only low flags, got {sorted(got)}"


def assert_flag(result, severity, rule, address):
    assert (rule, address) in result.rules(severity), (
        f"expected a {severity} {rule} flag on {address}, got {sorted(result.rules())}"
    )


def assert_no_flag(result, *rules):
    hits = [r for r in result.rules() if r[0] in rules]
    assert not hits, f"did not expect {rules}, got {hits}"


# --- federated identity credentials ----------------------------------------------------------


def fic(subject: str, **extra) -> dict:
    return {
        "name": "github",
        "parent_id": UAI_ID,
        "issuer": ISSUER,
        "subject": subject,
        "audience": AUDIENCE,
        "resource_group_name": "rg-app",
    } | extra


ENV = "repo:contoso/app:environment:prod"


def fic_change(before: dict, after: dict, **kwargs) -> dict:
    return rc(FIC, ["delete", "create"], before, after, replace_paths=[["subject"]], **kwargs)


def test_new_federated_credential_is_medium(tmp_path):
    result = flags(tmp_path, plan(rc(FIC, ["create"], None, fic(ENV))))
    assert_flag(result, "medium", "federated-credential-added", FIC)
    assert "GitHub environment" in by_rule(result, "federated-credential-added")[0]["message"]
    assert result.code == 0, "a medium flag must not fail the default --fail-on high"


def test_new_pull_request_credential_says_who_can_sign_in(tmp_path):
    result = flags(tmp_path, plan(rc(FIC, ["create"], None, fic("repo:contoso/app:pull_request"))))
    message = by_rule(result, "federated-credential-added")[0]["message"]
    assert "open a pull request" in message, message


@pytest.mark.parametrize(
    ("new_subject", "says"),
    [
        ("repo:contoso/app:pull_request", "open a pull request"),
        ("repo:contoso/app:ref:refs/heads/main", "branch"),
        ("repo:contoso/app:environment:*", "pattern"),
        ("repo:contoso/other:environment:prod", "another repository"),
        ("repo:fabrikam/app:environment:prod", "another organization"),
    ],
    ids=["pull-request", "branch", "pattern", "other-repo", "other-org"],
)
def test_broader_subject_is_high(tmp_path, new_subject, says):
    doc = plan(fic_change(fic(ENV) | {"id": "fic-1"}, fic(new_subject)))
    result = flags(tmp_path, doc)
    assert_flag(result, "high", "federated-credential-broader", FIC)
    message = by_rule(result, "federated-credential-broader")[0]["message"]
    assert says in message, message
    assert new_subject not in message, "messages describe the subject, they do not quote it"
    assert result.code == 1


def test_different_issuer_is_high(tmp_path):
    after = fic(ENV, issuer="https://gitlab.example.com")
    result = flags(tmp_path, plan(fic_change(fic(ENV), after)))
    assert_flag(result, "high", "federated-credential-broader", FIC)
    assert "issuer" in by_rule(result, "federated-credential-broader")[0]["message"]


def test_credential_moved_to_another_identity_is_high(tmp_path):
    result = flags(tmp_path, plan(fic_change(fic(ENV), fic(ENV, parent_id=OTHER_UAI))))
    assert_flag(result, "high", "federated-credential-broader", FIC)


def test_same_breadth_other_environment_is_medium(tmp_path):
    after = fic("repo:contoso/app:environment:dev")
    result = flags(tmp_path, plan(fic_change(fic(ENV), after)))
    assert_flag(result, "medium", "federated-credential-changed", FIC)
    assert_no_flag(result, "federated-credential-broader")


def test_narrower_subject_is_low(tmp_path):
    before = fic("repo:contoso/app:pull_request")
    result = flags(tmp_path, plan(fic_change(before, fic(ENV))))
    assert result.rules() == {("federated-credential-narrowed", FIC)}, result.rules()
    only_low(result)


def test_unknown_subject_is_medium_not_high(tmp_path):
    after = fic(None)
    result = flags(tmp_path, plan(fic_change(fic(ENV), after, unknown={"subject": True})))
    assert_flag(result, "medium", "federated-credential-changed", FIC)
    assert_no_flag(result, "federated-credential-broader")


@pytest.mark.parametrize(
    ("before_aud", "after_aud", "expected"),
    [
        (AUDIENCE, [*AUDIENCE, "api://other"], ("medium", "federated-credential-changed")),
        ([*AUDIENCE, "api://other"], AUDIENCE, ("low", "federated-credential-narrowed")),
    ],
    ids=["audience-added", "audience-removed"],
)
def test_audience_changes(tmp_path, before_aud, after_aud, expected):
    doc = plan(fic_change(fic(ENV, audience=before_aud), fic(ENV, audience=after_aud)))
    assert_flag(flags(tmp_path, doc), *expected, FIC)


def test_azurerm5_rename_of_parent_id_is_not_a_change(tmp_path):
    """azurerm 5 calls parent_id user_assigned_identity_id: the same identity, nothing widens."""
    before = fic(ENV)
    after = {k: v for k, v in fic(ENV).items() if k != "parent_id"}
    after["user_assigned_identity_id"] = UAI_ID
    result = flags(tmp_path, plan(rc(FIC, ["update"], before, after)))
    only_low(result)


def test_deleted_credential_is_low(tmp_path):
    only_low(flags(tmp_path, plan(rc(FIC, ["delete"], fic(ENV), None))))


# --- user-assigned identity attached ---------------------------------------------------------

UAI = "azurerm_user_assigned_identity.app"


def app(*identity_ids: str, image: str = "web:1") -> dict:
    identity = (
        [{"type": "UserAssigned", "identity_ids": list(identity_ids)}] if identity_ids else []
    )
    return {"name": "web", "identity": identity, "template": [{"container": [{"image": image}]}]}


def test_existing_identity_attached_to_app_is_medium(tmp_path):
    doc = plan(rc(APP, ["update"], app(UAI_ID), app(UAI_ID, OTHER_UAI)))
    result = flags(tmp_path, doc)
    assert_flag(result, "medium", "identity-attached", APP)
    assert result.code == 0


def test_existing_identity_named_by_address_when_plan_knows_it(tmp_path):
    uai = {"id": OTHER_UAI, "name": "id-admin", "principal_id": "p"}
    doc = plan(
        rc("azurerm_user_assigned_identity.admin", ["no-op"], uai, uai),
        rc(APP, ["create"], None, app(OTHER_UAI.upper())),
    )
    message = by_rule(flags(tmp_path, doc), "identity-attached")[0]["message"]
    assert "azurerm_user_assigned_identity.admin" in message, message


def test_new_app_with_its_own_new_identity_is_not_flagged(tmp_path):
    doc = plan(
        rc(UAI, ["create"], None, {"name": "id-app"}, unknown={"id": True}),
        rc(
            APP,
            ["create"],
            None,
            {"name": "web", "identity": [{"type": "UserAssigned"}]},
            unknown={"identity": [{"identity_ids": True}]},
        ),
        config_refs={APP: {"identity": [f"{UAI}.id", UAI]}},
    )
    assert_no_flag(flags(tmp_path, doc), "identity-attached")


def test_unknown_identity_list_without_references_is_not_guessed(tmp_path):
    doc = plan(
        rc(
            APP,
            ["update"],
            app(UAI_ID),
            {"name": "web", "identity": [{"type": "UserAssigned"}]},
            unknown={"identity": [{"identity_ids": True}]},
        )
    )
    assert_no_flag(flags(tmp_path, doc), "identity-attached")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (app(UAI_ID), app(UAI_ID.upper(), image="web:2")),
        (app(UAI_ID, OTHER_UAI), app(UAI_ID)),
    ],
    ids=["image-tag-bump", "identity-detached"],
)
def test_image_bump_or_detach_is_low(tmp_path, before, after):
    only_low(flags(tmp_path, plan(rc(APP, ["update"], before, after))))


# --- ABAC conditions and principal type ------------------------------------------------------

DELEGATION = (
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
    "(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:"
    "GuidEquals {2a2b9908-6ea1-4ae2-8e65-a410df84e7d1} AND "
    "@Request[Microsoft.Authorization/roleAssignments:PrincipalType] "
    "ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal'}))"
)
CONTAINER_ONLY = (
    "((!(ActionMatches{'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read'}))"
    " OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] "
    "StringEquals 'uploads'))"
)
RBAC_ADMIN = "Role Based Access Control Administrator"


def ra_change(before: dict, after: dict, **kwargs) -> dict:
    return rc(RA, ["delete", "create"], before | {"id": "ra-1"}, after, **kwargs)


def test_delegation_condition_removed_is_high_and_says_what_it_limited(tmp_path):
    before = grant(RBAC_ADMIN, RG) | {"condition": DELEGATION, "condition_version": "2.0"}
    result = flags(tmp_path, plan(ra_change(before, grant(RBAC_ADMIN, RG))))
    assert_flag(result, "high", "condition-removed", RA)
    message = by_rule(result, "condition-removed")[0]["message"]
    assert "the roles and the principal types" in message and "assign" in message, message


def test_blob_condition_changed_is_high(tmp_path):
    role = "Storage Blob Data Reader"
    before = grant(role, ACCOUNT) | {"condition": CONTAINER_ONLY}
    after = grant(role, ACCOUNT) | {"condition": CONTAINER_ONLY.replace("uploads", "*")}
    result = flags(tmp_path, plan(ra_change(before, after)))
    assert_flag(result, "high", "condition-changed", RA)
    assert "blob containers" in by_rule(result, "condition-changed")[0]["message"]


def test_unknown_condition_is_treated_as_changed(tmp_path):
    before = grant(RBAC_ADMIN, RG) | {"condition": DELEGATION}
    doc = plan(ra_change(before, grant(RBAC_ADMIN, RG), unknown={"condition": True}))
    assert_flag(flags(tmp_path, doc), "high", "condition-changed", RA)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, CONTAINER_ONLY),
        (CONTAINER_ONLY, "  " + CONTAINER_ONLY.replace(" OR ", "\n OR ")),
    ],
    ids=["condition-added", "whitespace-only"],
)
def test_condition_added_or_reformatted_is_not_flagged(tmp_path, before, after):
    role = "Storage Blob Data Reader"
    old = grant(role, ACCOUNT) | ({"condition": before} if before else {})
    result = flags(tmp_path, plan(ra_change(old, grant(role, ACCOUNT) | {"condition": after})))
    assert_no_flag(result, "condition-removed", "condition-changed")


@pytest.mark.parametrize(
    ("new_type", "says"), [("Group", "every member of the group"), ("User", "a person")]
)
def test_principal_type_away_from_service_principal_is_medium(tmp_path, new_type, says):
    role = "Storage Blob Data Reader"
    before = grant(role, CONTAINER) | {"principal_type": "ServicePrincipal"}
    after = grant(role, CONTAINER) | {"principal_type": new_type}
    result = flags(tmp_path, plan(ra_change(before, after)))
    assert_flag(result, "medium", "principal-type-changed", RA)
    assert says in by_rule(result, "principal-type-changed")[0]["message"]


def test_principal_type_back_to_service_principal_or_unknown_is_not_flagged(tmp_path):
    role = "Storage Blob Data Reader"
    group = grant(role, CONTAINER) | {"principal_type": "Group"}
    sp = grant(role, CONTAINER) | {"principal_type": "ServicePrincipal"}
    assert_no_flag(flags(tmp_path, plan(ra_change(group, sp))), "principal-type-changed")
    unknown = plan(ra_change(sp, grant(role, CONTAINER), unknown={"principal_type": True}))
    assert_no_flag(flags(tmp_path, unknown), "principal-type-changed")


# --- role escalation for the same principal and scope ----------------------------------------


def test_same_assignment_data_read_to_write_is_an_escalation_not_a_removal(tmp_path):
    before = grant("Storage Blob Data Reader", CONTAINER)
    after = grant("Storage Blob Data Contributor", CONTAINER)
    doc = plan(ra_change(before, after, replace_paths=[["role_definition_name"]]))
    result = flags(tmp_path, doc)
    assert result.rules() == {("role-escalated", RA)}, result.rules()
    message = by_rule(result, "role-escalated")[0]["message"]
    assert "Storage Blob Data Reader" in message and "Storage Blob Data Contributor" in message
    assert result.json()["worst"] == "medium"


def test_reader_to_contributor_is_escalated_and_privileged(tmp_path):
    doc = plan(ra_change(grant("Reader", ACCOUNT), grant("Contributor", ACCOUNT)))
    result = flags(tmp_path, doc)
    assert_flag(result, "medium", "role-escalated", RA)
    assert_flag(result, "high", "privileged-role", RA)
    assert_no_flag(result, "role-removed")


def test_escalation_across_two_assignments_by_guid(tmp_path):
    """A deleted grant and a new one for the same principal and scope, roles by definition ID."""
    old, new = "azurerm_role_assignment.secrets_user", "azurerm_role_assignment.vault_admin"
    guid = "/providers/Microsoft.Authorization/roleDefinitions/"
    user = {"principal_id": "p-1", "scope": VAULT}
    doc = plan(
        rc(
            old,
            ["delete"],
            user
            | {"id": "ra-1", "role_definition_id": guid + "4633458b-17de-408a-b874-0445c86b69e6"},
            None,
        ),
        rc(
            new,
            ["create"],
            None,
            user | {"role_definition_id": guid + "00482a5a-887f-4fb3-b363-3b7fe8e74483"},
        ),
    )
    result = flags(tmp_path, doc)
    assert_flag(result, "medium", "role-escalated", new)
    assert_flag(result, "low", "role-moved", old)
    assert_no_flag(result, "role-removed")
    message = by_rule(result, "role-escalated")[0]["message"]
    assert "Key Vault Secrets User" in message and "Key Vault Administrator" in message, message


def test_downgrade_for_the_same_principal_is_low(tmp_path):
    before = grant("Storage Blob Data Owner", CONTAINER)
    after = grant("Storage Blob Data Reader", CONTAINER)
    result = flags(tmp_path, plan(ra_change(before, after)))
    assert result.rules() == {("role-narrowed", RA)}, result.rules()
    only_low(result)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (grant("Storage Blob Data Reader", ACCOUNT), grant("Storage Queue Data Reader", ACCOUNT)),
        (
            grant("Storage Blob Data Reader", ACCOUNT, "p-1"),
            grant("Storage Blob Data Contributor", ACCOUNT, "p-2"),
        ),
    ],
    ids=["unrelated-roles", "other-principal"],
)
def test_unranked_or_other_principal_swap_stays_a_removal(tmp_path, before, after):
    result = flags(tmp_path, plan(ra_change(before, after)))
    assert_flag(result, "medium", "role-removed", RA)
    assert_no_flag(result, "role-escalated", "role-narrowed")


# --- credential paths coming back ------------------------------------------------------------

STORAGE = "azurerm_storage_account.data"
COSMOS = "azurerm_cosmosdb_account.db"
SQL = "azurerm_mssql_server.sql"
WEB = "azurerm_linux_web_app.site"
FUNC = "azurerm_linux_function_app.fn"
KV = "azurerm_key_vault.main"

OPENINGS = [
    (STORAGE, {"shared_access_key_enabled": False}, {"shared_access_key_enabled": True}),
    (COSMOS, {"local_authentication_disabled": True}, {"local_authentication_disabled": False}),
    (COSMOS, {"local_authentication_enabled": False}, {"local_authentication_enabled": True}),
    (
        SQL,
        {"azuread_administrator": [{"login_username": "a", "azuread_authentication_only": True}]},
        {"azuread_administrator": [{"login_username": "a", "azuread_authentication_only": False}]},
    ),
    (WEB, {"ftp_publish_basic_authentication_enabled": False}, {}),
    (FUNC, {"webdeploy_publish_basic_authentication_enabled": False}, {}),
    (KV, {"rbac_authorization_enabled": True}, {"rbac_authorization_enabled": False}),
    (KV, {"enable_rbac_authorization": True}, {"enable_rbac_authorization": False}),
]
OPENING_IDS = [
    "storage-shared-key",
    "cosmos-4x-local-auth",
    "cosmos-5x-local-auth",
    "sql-entra-only-off",
    "web-ftp-basic-auth-default",
    "function-webdeploy-basic-auth-default",
    "kv-rbac-off",
    "kv-4x-deprecated-rbac-off",
]
RULE_OF = {
    STORAGE: "storage-shared-key",
    COSMOS: "cosmos-local-auth",
    SQL: "sql-password-auth",
    WEB: "app-basic-publishing-auth",
    FUNC: "app-basic-publishing-auth",
    KV: "key-vault-leaves-rbac",
}


@pytest.mark.parametrize(("address", "closed", "opened"), OPENINGS, ids=OPENING_IDS)
def test_credential_path_coming_back_is_high_and_names_the_setting(
    tmp_path, address, closed, opened
):
    base = {"name": "x", "tags": {}}
    result = flags(tmp_path, plan(rc(address, ["update"], base | closed, base | opened)))
    assert_flag(result, "high", RULE_OF[address], address)
    message = by_rule(result, RULE_OF[address])[0]["message"]
    assert next(iter(closed)) in message, f"the message must name the setting: {message}"
    assert result.code == 1


@pytest.mark.parametrize(("address", "closed", "opened"), OPENINGS, ids=OPENING_IDS)
def test_credential_path_closed_is_low(tmp_path, address, closed, opened):
    base = {"name": "x", "tags": {}}
    result = flags(tmp_path, plan(rc(address, ["update"], base | opened, base | closed)))
    only_low(result)


@pytest.mark.parametrize(("address", "closed", "opened"), OPENINGS, ids=OPENING_IDS)
def test_credential_path_unrelated_attribute_is_low(tmp_path, address, closed, opened):
    before = {"name": "x", "tags": {"env": "dev"}} | closed
    result = flags(tmp_path, plan(rc(address, ["update"], before, before | {"tags": {}})))
    only_low(result)


def test_credential_path_unknown_after_apply_is_medium(tmp_path):
    before = {"name": "x", "shared_access_key_enabled": False}
    after = {"name": "x", "shared_access_key_enabled": None}
    doc = plan(rc(STORAGE, ["update"], before, after, unknown={"shared_access_key_enabled": True}))
    assert_flag(flags(tmp_path, doc), "medium", "storage-shared-key", STORAGE)


def test_storage_created_with_shared_keys_is_high_and_without_is_not(tmp_path):
    opened = flags(tmp_path, plan(rc(STORAGE, ["create"], None, {"name": "x"})))
    assert "is created with" in by_rule(opened, "storage-shared-key")[0]["message"]
    closed = plan(rc(STORAGE, ["create"], None, {"name": "x", "shared_access_key_enabled": False}))
    assert_no_flag(flags(tmp_path, closed), "storage-shared-key")


def test_cosmos_move_from_azurerm4_to_azurerm5_name_is_not_a_change(tmp_path):
    before = {"name": "db", "local_authentication_disabled": True}
    after = {"name": "db", "local_authentication_enabled": False}
    only_low(flags(tmp_path, plan(rc(COSMOS, ["update"], before, after))))


def test_key_vault_rbac_moves_to_the_new_name_is_not_a_change(tmp_path):
    """azurerm 4.x has both names; 5.x only rbac_authorization_enabled."""
    before = {"name": "kv", "enable_rbac_authorization": True, "rbac_authorization_enabled": True}
    after = {"name": "kv", "rbac_authorization_enabled": True}
    only_low(flags(tmp_path, plan(rc(KV, ["update"], before, after))))


def test_sql_entra_admin_block_removed_is_high(tmp_path):
    entra = [{"login_username": "a", "azuread_authentication_only": True}]
    before = {"name": "sql", "azuread_administrator": entra}
    result = flags(tmp_path, plan(rc(SQL, ["update"], before, {"name": "sql"})))
    assert_flag(result, "high", "sql-password-auth", SQL)


@pytest.mark.parametrize(
    ("after", "unknown"),
    [
        ({"administrator_login_password": "Pa55-LEAK-SQL"}, None),
        ({"administrator_login_password": None}, {"administrator_login_password": True}),
        ({"administrator_login_password_wo_version": 1}, None),
    ],
    ids=["known-sensitive", "unknown", "write-only"],
)
def test_sql_admin_password_appearing_is_high_and_never_printed(tmp_path, after, unknown):
    entra = [{"login_username": "a", "azuread_authentication_only": True}]
    before = {"name": "sql", "azuread_administrator": entra}
    doc = plan(
        rc(
            SQL,
            ["update"],
            before,
            before | {"administrator_login": "sqladmin"} | after,
            unknown=unknown,
            after_sensitive={"administrator_login_password": True},
        )
    )
    for fmt in ("text", "markdown", "json"):
        result = review(tmp_path, doc, "--format", fmt)
        assert "Pa55-LEAK-SQL" not in result.out, f"the password leaked into {fmt}"
    result = flags(tmp_path, doc)
    assert_flag(result, "high", "admin-password", SQL)


def test_sql_password_kept_is_not_flagged(tmp_path):
    before = {"name": "sql", "administrator_login_password": "old-LEAK", "tags": {}}
    doc = plan(
        rc(
            SQL,
            ["update"],
            before,
            before | {"tags": {"a": "b"}},
            before_sensitive={"administrator_login_password": True},
            after_sensitive={"administrator_login_password": True},
        )
    )
    result = flags(tmp_path, doc)
    assert_no_flag(result, "admin-password")
    assert "old-LEAK" not in result.out


# --- app settings carrying a key -------------------------------------------------------------

CONN = "DefaultEndpointsProtocol=https;AccountName=stapp;AccountKey=KEY-LEAK-1;EndpointSuffix=x"
KV_REF = "@Microsoft.KeyVault(SecretUri=https://kv-app.vault.azure.net/secrets/db/)"


def site(**settings) -> dict:
    return {"name": "site", "app_settings": {"LOG_LEVEL": "info", **settings}}


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_storage_key_in_app_settings_is_high_and_never_printed(tmp_path, fmt):
    doc = plan(rc(WEB, ["update"], site(), site(AzureWebJobsStorage=CONN)))
    result = review(tmp_path, doc, "--format", fmt)
    assert "KEY-LEAK-1" not in result.out, f"a connection string key leaked into {fmt}"
    assert "app-setting-credential" in result.out or fmt != "json", result.out
    assert "AzureWebJobsStorage" in result.out, "the setting's name is not a secret"


def test_storage_key_in_app_settings_is_high(tmp_path):
    doc = plan(rc(WEB, ["update"], site(), site(AzureWebJobsStorage=CONN)))
    assert_flag(flags(tmp_path, doc), "high", "app-setting-credential", WEB)


def test_key_vault_reference_in_app_settings_is_not_flagged(tmp_path):
    doc = plan(rc(WEB, ["update"], site(), site(DB_PASSWORD=KV_REF, IMAGE_TAG="2")))
    only_low(flags(tmp_path, doc))


def test_unknown_setting_filled_from_a_connection_string_is_high(tmp_path):
    after = site(AzureWebJobsStorage=None)
    doc = plan(
        rc(WEB, ["update"], site(), after, unknown={"app_settings": {"AzureWebJobsStorage": True}}),
        config_refs={
            WEB: {
                "app_settings": [
                    "azurerm_storage_account.data.primary_connection_string",
                    "azurerm_storage_account.data",
                ]
            }
        },
    )
    assert_flag(flags(tmp_path, doc), "high", "app-setting-credential", WEB)


def test_unknown_setting_filled_from_an_id_is_not_flagged(tmp_path):
    doc = plan(
        rc(WEB, ["update"], site(), site(STORAGE_ID=None), unknown={"app_settings": True}),
        config_refs={WEB: {"app_settings": ["azurerm_storage_account.data.id"]}},
    )
    assert_no_flag(flags(tmp_path, doc), "app-setting-credential")


def test_function_storage_access_key_appearing_is_high_and_leaving_is_low(tmp_path):
    identity = {"name": "fn", "storage_uses_managed_identity": True}
    keyed = {"name": "fn", "storage_account_access_key": "KEY-LEAK-2"}
    sensitive = {"storage_account_access_key": True}
    doc = plan(rc(FUNC, ["update"], identity, keyed, after_sensitive=sensitive))
    result = flags(tmp_path, doc)
    assert_flag(result, "high", "app-setting-credential", FUNC)
    assert "KEY-LEAK-2" not in result.out
    back = plan(rc(FUNC, ["update"], keyed, identity, before_sensitive=sensitive))
    only_low(flags(tmp_path, back))


# --- Key Vault access policies ---------------------------------------------------------------

POLICY = {"tenant_id": "t", "object_id": "o-1", "secret_permissions": ["Get"]}


def test_access_policy_added_to_a_policy_vault_is_high(tmp_path):
    before = {"name": "kv", "rbac_authorization_enabled": False, "access_policy": []}
    after = before | {"access_policy": [POLICY]}
    assert_flag(
        flags(tmp_path, plan(rc(KV, ["update"], before, after))),
        "high",
        "key-vault-access-policy",
        KV,
    )


def test_access_policy_widened_is_high_and_narrowed_is_low(tmp_path):
    wide = POLICY | {"secret_permissions": ["Get", "List", "Set"]}
    vault = {"name": "kv", "rbac_authorization_enabled": False}
    up = plan(
        rc(KV, ["update"], vault | {"access_policy": [POLICY]}, vault | {"access_policy": [wide]})
    )
    assert_flag(flags(tmp_path, up), "high", "key-vault-access-policy", KV)
    down = plan(
        rc(KV, ["update"], vault | {"access_policy": [wide]}, vault | {"access_policy": [POLICY]})
    )
    only_low(flags(tmp_path, down))


def test_access_policy_on_an_rbac_vault_is_ignored_by_azure_and_not_flagged(tmp_path):
    before = {"name": "kv", "rbac_authorization_enabled": True, "access_policy": []}
    after = before | {"access_policy": [POLICY]}
    assert_no_flag(
        flags(tmp_path, plan(rc(KV, ["update"], before, after))), "key-vault-access-policy"
    )


def test_access_policy_resource_created_is_high(tmp_path):
    policy = "azurerm_key_vault_access_policy.app"
    doc = plan(rc(policy, ["create"], None, POLICY | {"key_vault_id": VAULT}))
    assert_flag(flags(tmp_path, doc), "high", "key-vault-access-policy", policy)


# --- exposure --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "azurerm_container_registry.acr",
        KV,
        STORAGE,
        COSMOS,
        SQL,
    ],
)
def test_public_network_access_turned_on_is_medium(tmp_path, address):
    closed = {"name": "x", "public_network_access_enabled": False}
    if address == STORAGE:
        closed["shared_access_key_enabled"] = False
    if address == KV:
        closed["rbac_authorization_enabled"] = True
    if address == COSMOS:
        closed["local_authentication_disabled"] = True
    if address == SQL:
        closed["azuread_administrator"] = [{"azuread_authentication_only": True}]
    opened = closed | {"public_network_access_enabled": True}
    result = flags(tmp_path, plan(rc(address, ["update"], closed, opened)))
    assert_flag(result, "medium", "public-network-access", address)
    assert result.json()["worst"] == "medium", result.json()["flags"]
    only_low(flags(tmp_path, plan(rc(address, ["update"], opened, closed))))


def test_public_network_access_unknown_is_medium(tmp_path):
    acr = "azurerm_container_registry.acr"
    closed = {"name": "x", "public_network_access_enabled": False}
    doc = plan(
        rc(
            acr,
            ["update"],
            closed,
            {"name": "x", "public_network_access_enabled": None},
            unknown={"public_network_access_enabled": True},
        )
    )
    assert_flag(flags(tmp_path, doc), "medium", "public-network-access", acr)


def test_new_registry_with_default_public_access_is_not_an_exposure_change(tmp_path):
    doc = plan(rc("azurerm_container_registry.acr", ["create"], None, {"name": "x"}))
    assert_no_flag(flags(tmp_path, doc), "public-network-access")


# --- which type has which setting ------------------------------------------------------------


def test_flex_function_has_no_ftp_setting_so_its_absence_is_not_an_opening(tmp_path):
    flex = "azurerm_function_app_flex_consumption.fn"
    after = {"name": "fn", "webdeploy_publish_basic_authentication_enabled": False}
    assert_no_flag(
        flags(tmp_path, plan(rc(flex, ["create"], None, after))), "app-basic-publishing-auth"
    )
    opened = flags(tmp_path, plan(rc(flex, ["create"], None, {"name": "fn"})))
    message = by_rule(opened, "app-basic-publishing-auth")[0]["message"]
    assert "webdeploy_publish_basic_authentication_enabled" in message, message


def test_logic_app_scm_basic_auth_turned_on_is_high(tmp_path):
    logic = "azurerm_logic_app_standard.flow"
    closed = {
        "name": "flow",
        "ftp_publish_basic_authentication_enabled": False,
        "scm_publish_basic_authentication_enabled": False,
    }
    opened = closed | {"scm_publish_basic_authentication_enabled": True}
    result = flags(tmp_path, plan(rc(logic, ["update"], closed, opened)))
    assert_flag(result, "high", "app-basic-publishing-auth", logic)


def test_sql_managed_instance_entra_only_turned_off_is_high(tmp_path):
    mi = "azurerm_mssql_managed_instance.mi"
    block = "azure_active_directory_administrator"
    closed = {"name": "mi", block: [{"azuread_authentication_only_enabled": True}]}
    opened = {"name": "mi", block: [{"azuread_authentication_only_enabled": False}]}
    assert_flag(
        flags(tmp_path, plan(rc(mi, ["update"], closed, opened))), "high", "sql-password-auth", mi
    )
    only_low(flags(tmp_path, plan(rc(mi, ["update"], opened, closed))))


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_credential_in_a_block_that_becomes_unknown_is_not_printed(tmp_path, fmt):
    """An unknown block folds the old value into one row; a key inside it stays hidden."""
    before = site(AzureWebJobsStorage=CONN)
    doc = plan(rc(WEB, ["update"], before, {"name": "site"}, unknown={"app_settings": True}))
    out = review(tmp_path, doc, "--format", fmt).out
    assert "KEY-LEAK-1" not in out, f"a key inside a folded block leaked into {fmt}"


def test_new_rbac_vault_with_unknown_deprecated_twin_is_not_flagged(tmp_path):
    """azurerm 4.x computes enable_rbac_authorization from rbac_authorization_enabled."""
    after = {"name": "kv", "rbac_authorization_enabled": True, "enable_rbac_authorization": None}
    doc = plan(rc(KV, ["create"], None, after, unknown={"enable_rbac_authorization": True}))
    assert_no_flag(flags(tmp_path, doc), "key-vault-leaves-rbac")
    stale = {"name": "kv", "rbac_authorization_enabled": True, "enable_rbac_authorization": False}
    assert_flag(
        flags(tmp_path, plan(rc(KV, ["create"], None, stale))), "high", "key-vault-leaves-rbac", KV
    )


def test_dropping_a_weaker_duplicate_grant_is_not_an_escalation(tmp_path):
    """Owner already held, the extra Reader grant for the same principal and scope goes away."""
    keep, drop = "azurerm_role_assignment.owner", "azurerm_role_assignment.reader"
    owner = grant("Storage Blob Data Owner", CONTAINER) | {"id": "ra-1"}
    doc = plan(
        rc(keep, ["update"], owner | {"description": "a"}, owner | {"description": "b"}),
        rc(drop, ["delete"], grant("Storage Blob Data Reader", CONTAINER) | {"id": "ra-2"}, None),
    )
    result = flags(tmp_path, doc)
    assert_no_flag(result, "role-escalated", "role-narrowed", "role-moved")
    assert_flag(result, "medium", "role-removed", drop)


# --- image pulls and container app secrets ---------------------------------------------------

GROUP = "azurerm_container_group.job"
BY_IDENTITY = {"server": "acr.azurecr.io", "user_assigned_identity_id": UAI_ID}
BY_PASSWORD = {"server": "acr.azurecr.io", "username": "acr", "password": "PULL-LEAK"}
PULL_MASK = {"image_registry_credential": [{"password": True}]}


def test_new_container_group_pulling_by_password_is_high(tmp_path):
    doc = plan(
        rc(
            GROUP,
            ["create"],
            None,
            {"image_registry_credential": [BY_PASSWORD]},
            after_sensitive=PULL_MASK,
        )
    )
    result = flags(tmp_path, doc)
    assert_flag(result, "high", "pull-password", GROUP)
    assert "PULL-LEAK" not in result.out


def test_second_registry_added_with_password_is_high(tmp_path):
    other = BY_PASSWORD | {"server": "other.azurecr.io"}
    before = {"image_registry_credential": [BY_PASSWORD]}
    after = {"image_registry_credential": [BY_PASSWORD, other]}
    masks = {
        "before_sensitive": PULL_MASK,
        "after_sensitive": {"image_registry_credential": [{"password": True}] * 2},
    }
    assert_flag(
        flags(tmp_path, plan(rc(GROUP, ["update"], before, after, **masks))),
        "high",
        "pull-password",
        GROUP,
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ([BY_PASSWORD], [BY_PASSWORD]),
        ([BY_PASSWORD], [BY_IDENTITY]),
        (None, [BY_IDENTITY]),
    ],
    ids=["password-kept", "password-to-identity", "new-by-identity"],
)
def test_pull_kept_or_moved_to_identity_is_not_flagged(tmp_path, before, after):
    old = None if before is None else {"image_registry_credential": before, "tags": {}}
    new = {"image_registry_credential": after, "tags": {"a": "b"}}
    doc = plan(rc(GROUP, ["create" if old is None else "update"], old, new))
    assert_no_flag(flags(tmp_path, doc), "pull-password")


def test_key_vault_secret_replaced_by_an_unknown_value_is_high(tmp_path):
    kv_ref = "https://kv-app.vault.azure.net/secrets/db"
    before = {"secret": [{"name": "db", "key_vault_secret_id": kv_ref, "identity": UAI_ID}]}
    after = {"secret": [{"name": "db", "value": None}]}
    doc = plan(
        rc(
            APP,
            ["update"],
            before,
            after,
            unknown={"secret": [{"value": True}]},
            after_sensitive={"secret": True},
        )
    )
    assert_flag(flags(tmp_path, doc), "high", "secret-literal", APP)


# --- the role table --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("Storage Blob Data Reader", "Storage Blob Data Contributor", "more"),
        ("Storage Blob Data Owner", "Storage Blob Data Contributor", "less"),
        ("Key Vault Secrets Officer", "Key Vault Administrator", "more"),
        ("Key Vault Administrator", "Key Vault Secrets User", "less"),
        ("AcrPull", "AcrPush", "more"),
        ("Reader", "Contributor", "more"),
        ("Storage Blob Data Owner", "Contributor", "more"),
        ("Contributor", "Owner", "more"),
        ("Owner", "AcrPull", "less"),
        ("Storage Blob Data Reader", "Storage Queue Data Reader", None),
        ("Reader", "Storage Blob Data Reader", None),
        ("Key Vault Secrets Officer", "Key Vault Crypto Officer", None),
        ("User Access Administrator", "Role Based Access Control Administrator", None),
        ("AcrPull", "AcrPull", "same"),
        ("My Custom Role", "Owner", None),
    ],
)
def test_role_ranking(old, new, expected):
    from azure_identity_kit.review.roles import compare

    assert compare(old, new) == expected, f"{old} -> {new}"


def test_every_role_guid_names_a_ranked_role():
    from azure_identity_kit.review.roles import ROLE_IDS, ROLE_NAMES

    unranked = [name for name in ROLE_IDS.values() if name.lower() not in ROLE_NAMES]
    assert not unranked, f"GUIDs without a rank: {unranked}"


def test_function_storage_key_unknown_counts_only_when_configured_from_a_key(tmp_path):
    identity = {"name": "fn", "storage_uses_managed_identity": True}
    pending = {"name": "fn", "storage_account_access_key": None}
    unknown = {"storage_account_access_key": True}
    keyed = plan(
        rc(FUNC, ["update"], identity, pending, unknown=unknown),
        config_refs={
            FUNC: {
                "storage_account_access_key": ["azurerm_storage_account.data.primary_access_key"]
            }
        },
    )
    assert_flag(flags(tmp_path, keyed), "high", "app-setting-credential", FUNC)
    computed = plan(rc(FUNC, ["create"], None, pending, unknown=unknown))
    assert_no_flag(flags(tmp_path, computed), "app-setting-credential")


def test_public_network_access_turned_on_in_a_private_environment_is_high(tmp_path):
    """Issue 16 + 14: where the stack keeps private endpoints, reopening a data service
    to the internet is high; the same change without endpoints stays medium."""
    acr = "azurerm_container_registry.acr"
    closed = {"name": "x", "public_network_access_enabled": False}
    opened = closed | {"public_network_access_enabled": True}
    endpoint = rc(
        "azurerm_private_endpoint.acr",
        ["no-op"],
        {"name": "pe-acr", "subnet_id": "/s"},
        {"name": "pe-acr", "subnet_id": "/s"},
    )
    result = flags(tmp_path, plan(rc(acr, ["update"], closed, opened), endpoint))
    assert_flag(result, "high", "public-network-access", acr)
    assert "private endpoints" in by_rule(result, "public-network-access")[0]["message"]
    removed = rc("azurerm_private_endpoint.acr", ["delete"], {"name": "pe-acr"}, None)
    still_medium = flags(tmp_path, plan(rc(acr, ["update"], closed, opened), removed))
    assert_flag(still_medium, "medium", "public-network-access", acr)
    only_low(flags(tmp_path, plan(rc(acr, ["update"], opened, closed), endpoint)))
