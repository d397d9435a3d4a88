"""VmWithIdentity: snapshots of a minimal and a full VM, and its rules."""

from __future__ import annotations

import pytest
from azure_identity_kit import (
    EntraGroup,
    EntraLogin,
    GrantTarget,
    KitValidationError,
    UserAssignedIdentity,
    UserAssignedIdentityProps,
    VmImage,
    VmOsDisk,
    VmWithIdentity,
    VmWithIdentityProps,
)
from azure_identity_kit._cdktf import TerraformOutput
from support import by_name, new_stack, only, ref, resources, synth

VM = "azurerm_linux_virtual_machine"
NIC = "azurerm_network_interface"
PIP = "azurerm_public_ip"
EXT = "azurerm_virtual_machine_extension"
RA = "azurerm_role_assignment"
UAI = "azurerm_user_assigned_identity"
SUBNET_ID = (
    "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet"
    "/subnets/snet-ops"
)
VAULT_ID = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-app-dev"
CONTAINER_ID = (
    "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st"
    "/blobServices/default/containers/results"
)
# Public halves of throwaway keys (the private halves were discarded).
ED25519_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMHZtuQiQa9Oc8Wa7gxtyVvRfLoefHQFS7MOW1OBv3eQ test"
)
RSA_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCXAJSjFCcbTF+rCy2IE2jLXUM84gWpLwlxkDEFuO1A"
    "Ihq+ZSqCdWZK8c0XMtCAD6Ecjc1qOPey6fmwrgktsOXNjtJXTvodobhkUUgTOVgwBjpKa/MiozmZM74l"
    "fHF8xQ2XREM9An4C2xU6TYtgbIUpBvX9VERc5IgGGyoUUrm4t2SSCdYWLqSP2NtGFZ08/IX+k4ViUi0+"
    "KQcKRoTbL3AJp0nUpBQxlh/Wwx8iCdlTd6BOu/doMzoLuuCoATj70jidnVcFdv6HRdUNOJd81yM1zTuC"
    "daIfmJjiuggZbqi6G3jonCPJj3xXAFvULJbqA2U16s7LHexTElS0uJFfK+I3 test-rsa"
)
USERS = EntraGroup("ops-users", "11111111-1111-1111-1111-111111111111")
ADMINS = EntraGroup("ops-admins", "22222222-2222-2222-2222-222222222222")


def _props(**overrides) -> VmWithIdentityProps:
    values = dict(
        name="vm-ops-dev",
        resource_group_name="rg-app",
        location="westeurope",
        subnet_id=SUBNET_ID,
        ssh_public_keys=[ED25519_KEY],
    )
    values.update(overrides)
    return VmWithIdentityProps(**values)


def _identity(stack, construct_id: str, name: str) -> UserAssignedIdentity:
    return UserAssignedIdentity(
        stack,
        construct_id,
        UserAssignedIdentityProps(name=name, resource_group_name="rg", location="westeurope"),
    )


def _full(stack) -> VmWithIdentity:
    runtime = _identity(stack, "runtime", "id-ops-dev")
    extra = UserAssignedIdentity.from_existing(
        stack,
        "shared",
        "/subscriptions/0/resourceGroups/rg/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/id-shared",
        principal_id="aaaaaaaa-0000-4000-8000-000000000001",
        client_id="bbbbbbbb-0000-4000-8000-000000000002",
    )
    vm = VmWithIdentity(
        stack,
        "ops",
        _props(
            computer_name="ops-dev",
            admin_username="opsadmin",
            ssh_public_keys=[ED25519_KEY, RSA_KEY],
            size="Standard_D2s_v5",
            image=VmImage("Canonical", "ubuntu-24_04-lts", "server"),
            os_disk=VmOsDisk(
                caching="ReadOnly", storage_account_type="Premium_LRS", disk_size_gb=64
            ),
            user_assigned=[extra, runtime],
            runtime_identity=runtime,
            public_ip=True,
            entra_login=EntraLogin(user_groups=[USERS], admin_groups=[ADMINS]),
            patch_mode="ImageDefault",
            tags={"team": "a"},
        ),
    )
    vm.grant("Storage Blob Data Contributor", GrantTarget("results", CONTAINER_ID))
    vm.system_assigned_identity.grant("Key Vault Secrets User", GrantTarget("vault", VAULT_ID))
    return vm


# Snapshots -------------------------------------------------------------------


def test_minimal_snapshot(snapshot_json):
    stack = new_stack()
    vm = VmWithIdentity(stack, "ops", _props())
    doc = synth(stack)
    assert vm.system_principal_id is not None and vm.public_ip_address is None
    assert doc == snapshot_json


def test_full_snapshot(snapshot_json):
    stack = new_stack()
    _full(stack)
    assert synth(stack) == snapshot_json


# Defaults --------------------------------------------------------------------


def test_no_public_ip_by_default():
    stack = new_stack()
    VmWithIdentity(stack, "ops", _props())
    doc = synth(stack)
    assert resources(doc, PIP) == {}, "no azurerm_public_ip unless asked for"
    _, nic = only(doc, NIC)
    assert nic["ip_configuration"] == [
        {"name": "primary", "private_ip_address_allocation": "Dynamic", "subnet_id": SUBNET_ID}
    ], "one private IP configuration in the given subnet, no public IP"


def test_ssh_keys_only_password_sign_in_disabled():
    stack = new_stack()
    VmWithIdentity(stack, "ops", _props())
    _, vm = only(synth(stack), VM)
    assert vm["disable_password_authentication"] is True
    assert "admin_password" not in vm
    assert vm["admin_ssh_key"] == [{"public_key": ED25519_KEY, "username": "azureuser"}]


def test_default_image_size_identity_and_hardening():
    stack = new_stack()
    VmWithIdentity(stack, "ops", _props())
    doc = synth(stack)
    nic_key, _ = only(doc, NIC)
    _, vm = only(doc, VM)
    assert vm["source_image_reference"] == {
        "publisher": "Canonical",
        "offer": "0001-com-ubuntu-server-jammy",
        "sku": "22_04-lts-gen2",
        "version": "latest",
    }, "Ubuntu 22.04 LTS Gen2 by default"
    assert vm["size"] == "Standard_B2s"
    assert vm["identity"] == {"type": "SystemAssigned"}, "system-assigned identity by default"
    assert vm["network_interface_ids"] == [ref(NIC, nic_key, "id")]
    assert vm["boot_diagnostics"] == {}, "boot diagnostics in managed storage"
    assert vm["patch_mode"] == "AutomaticByPlatform"
    assert vm["allow_extension_operations"] is True
    assert vm["secure_boot_enabled"] is True and vm["vtpm_enabled"] is True
    assert vm["os_disk"] == {"caching": "ReadWrite", "storage_account_type": "StandardSSD_LRS"}
    assert resources(doc, EXT) == {} and resources(doc, RA) == {}, "no extension, no grant"


def test_public_ip_opt_in_is_standard_and_static():
    stack = new_stack()
    vm = VmWithIdentity(stack, "ops", _props(public_ip=True))
    TerraformOutput(stack, "ip", value=vm.public_ip_address)
    doc = synth(stack)
    pip_key, pip = only(doc, PIP)
    assert pip["sku"] == "Standard" and pip["allocation_method"] == "Static"
    assert pip["name"] == "pip-vm-ops-dev"
    _, nic = only(doc, NIC)
    assert nic["ip_configuration"][0]["public_ip_address_id"] == ref(PIP, pip_key, "id")
    assert doc["output"]["ip"]["value"] == ref(PIP, pip_key, "ip_address")


# Grants ----------------------------------------------------------------------


def test_system_assigned_grants_live_under_the_vm_and_target_its_principal():
    stack = new_stack()
    vm = VmWithIdentity(stack, "ops", _props())
    vm.grant("Key Vault Secrets User", GrantTarget("vault", VAULT_ID))
    vm.grant("Storage Blob Data Contributor", GrantTarget("results", CONTAINER_ID))
    TerraformOutput(stack, "principal", value=vm.system_principal_id)
    doc = synth(stack)
    vm_key, resource = only(doc, VM)
    grants = resources(doc, RA)
    assert {(v["role_definition_name"], v["scope"]) for v in grants.values()} == {
        ("Key Vault Secrets User", VAULT_ID),
        ("Storage Blob Data Contributor", CONTAINER_ID),
    }, "exactly the two roles, each on its own scope"
    for key, assignment in grants.items():
        assert key.startswith("ops_system-identity-grant-"), key
        assert assignment["principal_id"] == ref(VM, vm_key, "identity[0].principal_id")
        assert assignment["principal_type"] == "ServicePrincipal"
    assert "depends_on" not in resource, "a system-assigned grant cannot precede its VM"
    assert doc["output"]["principal"]["value"] == ref(VM, vm_key, "identity[0].principal_id")


def test_runtime_identity_grants_are_ordered_before_the_vm():
    stack = new_stack()
    _full(stack)
    doc = synth(stack)
    _, vm = only(doc, VM)
    runtime_key, _ = by_name(doc, UAI, "id-ops-dev")
    blob_key, blob = next(
        (k, v)
        for k, v in resources(doc, RA).items()
        if v["role_definition_name"] == "Storage Blob Data Contributor"
    )
    assert blob["principal_id"] == ref(UAI, runtime_key, "principal_id")
    assert f"{RA}.{blob_key}" in vm["depends_on"]
    assert vm["identity"]["type"] == "SystemAssigned, UserAssigned"
    assert vm["identity"]["identity_ids"][0] == ref(UAI, runtime_key, "id")


def test_grant_without_any_identity_grantable_is_refused():
    stack = new_stack()
    extra = _identity(stack, "extra", "id-extra")
    vm = VmWithIdentity(stack, "ops", _props(system_assigned=False, user_assigned=[extra]))
    with pytest.raises(KitValidationError, match=r"test/ops: \[grant-no-identity\]"):
        vm.grant("Reader", GrantTarget("rg", "/subscriptions/0/resourceGroups/rg"))


# Entra ID sign-in ------------------------------------------------------------


def test_entra_login_extension_and_group_grants_scoped_to_the_vm():
    stack = new_stack()
    vm = VmWithIdentity(
        stack, "ops", _props(entra_login=EntraLogin(user_groups=[USERS], admin_groups=[ADMINS]))
    )
    doc = synth(stack)
    vm_key, _ = only(doc, VM)
    _, extension = only(doc, EXT)
    assert extension == {
        "auto_upgrade_minor_version": True,
        "name": "AADSSHLoginForLinux",
        "publisher": "Microsoft.Azure.ActiveDirectory",
        "type": "AADSSHLoginForLinux",
        "type_handler_version": "1.0",
        "virtual_machine_id": ref(VM, vm_key, "id"),
    }, "the AADSSHLoginForLinux extension, v1.0 with minor upgrades, on this VM"
    grants = {v["principal_id"]: (k, v) for k, v in resources(doc, RA).items()}
    assert set(grants) == {USERS.object_id, ADMINS.object_id}
    for group, role in (
        (USERS, "Virtual Machine User Login"),
        (ADMINS, "Virtual Machine Administrator Login"),
    ):
        key, assignment = grants[group.object_id]
        assert assignment["role_definition_name"] == role, f"{group.label} should get {role}"
        assert assignment["scope"] == ref(VM, vm_key, "id"), "login roles are scoped to this VM"
        assert assignment["principal_type"] == "Group", "Entra groups are not service principals"
        assert key.startswith(f"ops_entra-{group.label}-"), key
    assert len(vm.login_grants) == 2


def test_entra_login_grant_ids_are_stable_when_groups_are_added():
    first = new_stack()
    VmWithIdentity(first, "ops", _props(entra_login=EntraLogin(admin_groups=[ADMINS])))
    second = new_stack()
    VmWithIdentity(
        second, "ops", _props(entra_login=EntraLogin(user_groups=[USERS], admin_groups=[ADMINS]))
    )
    before = set(resources(synth(first), RA))
    after = set(resources(synth(second), RA))
    assert before < after, "adding a group must not rename the existing group's assignment"


def test_entra_login_needs_the_system_assigned_identity():
    stack = new_stack()
    extra = _identity(stack, "extra", "id-extra")
    with pytest.raises(KitValidationError) as error:
        VmWithIdentity(
            stack,
            "ops",
            _props(
                system_assigned=False,
                user_assigned=[extra],
                entra_login=EntraLogin(admin_groups=[ADMINS]),
            ),
        )
    assert error.value.rule_id == "vm-entra-login-system-identity"
    assert str(error.value).startswith("test/ops: [vm-entra-login-system-identity]")
    assert "AADSSHLoginForLinux" in str(error.value)


def test_same_group_twice_for_one_role_is_refused():
    stack = new_stack()
    with pytest.raises(KitValidationError, match=r"\[duplicate-grant\]"):
        VmWithIdentity(stack, "ops", _props(entra_login=EntraLogin(user_groups=[USERS, USERS])))


# Refusals --------------------------------------------------------------------


def test_password_is_refused():
    stack = new_stack()
    with pytest.raises(KitValidationError) as error:
        VmWithIdentity(stack, "ops", _props(admin_password="Correct-Horse-1"))
    message = str(error.value)
    assert error.value.rule_id == "vm-password-auth"
    assert message.startswith("test/ops: [vm-password-auth]"), message
    assert "Correct-Horse-1" not in message, "the password must not be echoed"
    assert stack.node.try_find_child("ops") is None, "nothing may be half-built"


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"ssh_public_keys": []}, "vm-ssh-key-missing"),
        ({"ssh_public_keys": ED25519_KEY}, "vm-ssh-key-missing"),
        ({"ssh_public_keys": ["-----BEGIN OPENSSH PRIVATE KEY-----"]}, "vm-ssh-key-format"),
        ({"ssh_public_keys": ["ecdsa-sha2-nistp256 AAAA x"]}, "vm-ssh-key-format"),
        ({"ssh_public_keys": ["ssh-ed25519"]}, "vm-ssh-key-format"),
        ({"admin_password": ""}, "vm-password-auth"),
        ({"admin_username": "root"}, "vm-admin-username"),
        ({"admin_username": "Admin"}, "vm-admin-username"),
        ({"admin_username": "ops admin"}, "vm-admin-username"),
        ({"name": "vm_ops"}, "name-linux-vm"),
        ({"name": "-vm"}, "name-linux-vm"),
        ({"name": "v" * 65}, "name-linux-vm"),
        ({"name": ""}, "name-linux-vm"),
        ({"name": "123"}, "name-linux-computer-name"),
        ({"computer_name": "ops.dev"}, "name-linux-computer-name"),
        ({"image": VmImage("Canonical", "", "22_04-lts-gen2")}, "vm-image"),
        ({"os_disk": VmOsDisk(caching="WriteBack")}, "vm-os-disk"),
        ({"os_disk": VmOsDisk(storage_account_type="UltraSSD_LRS")}, "vm-os-disk"),
        ({"os_disk": VmOsDisk(disk_size_gb=0)}, "vm-os-disk"),
        ({"patch_mode": "Manual"}, "vm-patch-mode"),
        ({"system_assigned": False}, "vm-no-identity"),
        (
            {"entra_login": EntraLogin(), "allow_extension_operations": False},
            "vm-extensions-disabled",
        ),
        (
            {"entra_login": EntraLogin(user_groups=[EntraGroup("", USERS.object_id)])},
            "vm-entra-group",
        ),
        (
            {"entra_login": EntraLogin(user_groups=[EntraGroup("ops", "ops-team")])},
            "entra-object-id",
        ),
    ],
)
def test_bad_input_is_refused_with_path_and_rule(overrides, rule):
    stack = new_stack()
    with pytest.raises(KitValidationError) as error:
        VmWithIdentity(stack, "ops", _props(**overrides))
    assert error.value.rule_id == rule, f"expected rule {rule}, got {error.value}"
    assert str(error.value).startswith(f"test/ops: [{rule}]"), str(error.value)
    assert "Fix:" in str(error.value)
    assert stack.node.try_find_child("ops") is None, "nothing may be half-built"


def test_boundary_names_are_accepted():
    stack = new_stack()
    VmWithIdentity(stack, "short", _props(name="v"))
    VmWithIdentity(stack, "long", _props(name="v" * 64))
    VmWithIdentity(stack, "numeric", _props(name="123", computer_name="ops-123"))
