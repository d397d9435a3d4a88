"""A Linux VM that reaches Azure with managed identities and lets people in with
SSH keys or Entra ID, never passwords."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ._cdktf import Construct, is_token
from .azurerm import linux_virtual_machine, network_interface, public_ip, virtual_machine_extension
from .constraints import Format, Items, OneOf, Range, azure, checked, constrained, enforce, provider
from .constraints.common import subnet_id
from .errors import ChildPath, KitValidationError, child_path
from .identity import (
    AnyUserAssignedIdentity,
    EntraGroup,
    Grant,
    GrantTarget,
    ManagedIdentities,
    grant,
    slug,
)
from .naming import LINUX_COMPUTER_NAME, LINUX_VM, check_name
from .workload_identity import WorkloadIdentityMixin

VM_USER_LOGIN = "Virtual Machine User Login"
VM_ADMIN_LOGIN = "Virtual Machine Administrator Login"
OS_DISK_CACHING = ("None", "ReadOnly", "ReadWrite")
OS_DISK_TYPES = ("Standard_LRS", "StandardSSD_LRS", "Premium_LRS", "StandardSSD_ZRS", "Premium_ZRS")
PATCH_MODES = ("AutomaticByPlatform", "ImageDefault")
SSH_KEY_TYPES = ("ssh-rsa", "ssh-ed25519")
# Azure refuses these admin user names on Linux VMs (and Ubuntu reserves some of them).
RESERVED_ADMIN_USERNAMES = frozenset(
    "1 123 a actuser adm admin admin1 admin2 administrator aspnet backup console david guest "
    "john owner root server sql support support_388945a0 sys test test1 test2 test3 user "
    "user1 user2 user3 user4 user5".split()
)
_VM = "internal/services/compute/linux_virtual_machine_resource.go"
_OS_DISK = "internal/services/compute/virtual_machine.go"
_USERNAME_FAQ = azure(
    "https://learn.microsoft.com/azure/virtual-machines/linux/faq"
    "#what-are-the-username-requirements-when-creating-a-vm-"
)
_RESERVED = "|".join(sorted(map(re.escape, RESERVED_ADMIN_USERNAMES)))
ADMIN_USERNAME_RESERVED = Format(
    "vm-admin-username",
    provider("internal/services/compute/validate/linux_admin_username.go", "LinuxAdminUsername"),
    pattern=re.compile(rf"^(?!(?:{_RESERVED})$)\S.{{0,63}}$", re.DOTALL),
    description="a Linux admin user name of 1-64 characters that is not reserved (admin, root, "
    "administrator, user, test, ...)",
)
ADMIN_USERNAME_FORMAT = Format(
    "vm-admin-username",
    _USERNAME_FAQ,
    pattern=re.compile(r"^[a-z_][a-z0-9_-]{0,31}$"),
    description="1-32 lowercase letters, digits, '-' and '_', starting with a letter or '_'",
)
SSH_PUBLIC_KEY = Format(
    "vm-ssh-key-format",
    provider("internal/services/compute/validate/ssh_key.go", "SSHKey"),
    pattern=re.compile(r"^(?:ssh-rsa|ssh-ed25519) [A-Za-z0-9+/]+={0,3}(?: .*)?$", re.DOTALL),
    description="a one-line OpenSSH public key (ssh-rsa of 2048+ bits or ssh-ed25519)",
)


@dataclass(frozen=True)
class VmImage:
    """A Marketplace image (`source_image_reference`)."""

    publisher: str
    """Marketplace image publisher, e.g. 'Canonical'."""
    offer: str
    """Marketplace image offer, e.g. 'ubuntu-24_04-lts'."""
    sku: str
    """Marketplace image SKU, e.g. 'server'."""
    version: str = "latest"
    """Image version. Default: latest."""


UBUNTU_2204_LTS_GEN2 = VmImage("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts-gen2")


@dataclass(frozen=True)
class VmOsDisk:
    caching: str = checked(
        OneOf("vm-os-disk", provider(_OS_DISK, "caching StringInSlice"), values=OS_DISK_CACHING),
        default="ReadWrite",
    )
    """None, ReadOnly or ReadWrite. Default: ReadWrite."""
    storage_account_type: str = checked(
        OneOf(
            "vm-os-disk",
            provider(_OS_DISK, "storage_account_type StringInSlice"),
            values=OS_DISK_TYPES,
        ),
        default="StandardSSD_LRS",
    )
    """Standard_LRS, StandardSSD_LRS, Premium_LRS, StandardSSD_ZRS or Premium_ZRS.
    Default: StandardSSD_LRS."""
    disk_size_gb: int | None = checked(
        Range(
            "vm-os-disk",
            azure("https://learn.microsoft.com/azure/virtual-machines/managed-disks-overview"),
            low=1,
            high=4095,
            unit=" GB",
        ),
        default=None,
    )
    """Size in GB, 1-4095 (an OS disk's largest). Default: the image's size (30 GB for
    Ubuntu)."""


@dataclass(frozen=True)
class EntraLogin:
    """Sign-in with Entra ID (`az ssh vm`): the AADSSHLoginForLinux extension plus
    login roles, scoped to this VM, for Entra groups."""

    user_groups: Sequence[EntraGroup] = ()
    """Groups granted Virtual Machine User Login. Default: none."""
    admin_groups: Sequence[EntraGroup] = ()
    """Groups granted Virtual Machine Administrator Login (sudo). Default: none."""


@dataclass(frozen=True)
class VmWithIdentityProps:
    name: str
    """Azure name: 1-64 letters, digits and '-'. Convention: `vm-<workload>-<purpose>-<env>`."""
    resource_group_name: str
    """Resource group of the VM, its network interface and its public IP (if any)."""
    location: str
    """Azure region of the VM, its network interface and its public IP (if any)."""
    subnet_id: str = field(
        metadata=constrained(
            subnet_id(
                "vm-subnet-id",
                provider(
                    "internal/services/network/network_interface_resource.go",
                    "ip_configuration subnet_id commonids.ValidateSubnetID",
                ),
            )
        )
    )
    """Subnet for the VM's network interface (its ID)."""
    ssh_public_keys: Sequence[str] = field(
        metadata=constrained(
            Items("vm-ssh-key-format", SSH_PUBLIC_KEY.source, inner=SSH_PUBLIC_KEY)
        )
    )
    """OpenSSH public keys (`ssh-rsa` of 2048+ bits or `ssh-ed25519`) for admin_username.
    At least one is required; password sign-in is always off."""
    admin_username: str = checked(
        ADMIN_USERNAME_RESERVED, ADMIN_USERNAME_FORMAT, default="azureuser"
    )
    """Local admin user for the SSH keys. Default: azureuser."""
    admin_password: str | None = None
    """Refused: passing any value raises `vm-password-auth`. Use SSH keys or Entra login."""
    size: str = "Standard_B2s"
    """VM size. Default: Standard_B2s."""
    computer_name: str | None = None
    """Host name. Default: the VM name."""
    image: VmImage = UBUNTU_2204_LTS_GEN2
    """Default: Ubuntu 22.04 LTS Gen2 (Canonical, 0001-com-ubuntu-server-jammy, 22_04-lts-gen2)."""
    os_disk: VmOsDisk = field(default_factory=VmOsDisk)
    """Default: ReadWrite caching, StandardSSD_LRS, the image's size."""
    system_assigned: bool = True
    """Give the VM its own identity, deleted with it. Default: on."""
    user_assigned: Sequence[AnyUserAssignedIdentity] = ()
    """User-assigned identities to attach. Default: none."""
    runtime_identity: AnyUserAssignedIdentity | None = None
    """User-assigned identity that grant() targets instead of the system-assigned one; it is
    attached too. Default: none."""
    public_ip: bool = False
    """Create a Standard, static public IP for the NIC. Default: off (private IP only).
    A Standard IP admits no inbound traffic until a network security group allows it."""
    entra_login: EntraLogin | None = None
    """Entra ID sign-in (needs system_assigned). Default: off."""
    patch_mode: str = checked(
        OneOf("vm-patch-mode", provider(_VM, "patch_mode StringInSlice"), values=PATCH_MODES),
        default="AutomaticByPlatform",
    )
    """AutomaticByPlatform (Azure applies OS patches; needs a supported image) or ImageDefault.
    Patch assessment follows the same mode. Default: AutomaticByPlatform."""
    allow_extension_operations: bool = True
    """Allow VM extensions (Entra login is one). Default: on."""
    trusted_launch: bool = True
    """Secure Boot and vTPM (needs a Gen2 image). Default: on."""
    boot_diagnostics: bool = True
    """Boot diagnostics in Azure-managed storage (no storage account, no key). Default: on."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Tags on the VM, its NIC and public IP. Default: none."""


class VmWithIdentity(WorkloadIdentityMixin, Construct):
    """`azurerm_linux_virtual_machine` with a managed identity, a NIC without a
    public IP, SSH-key-only sign-in and, optionally, Entra ID sign-in.

    Grants to the system-assigned identity live under this construct (as
    `system-identity-grant-*`); Entra login grants as `entra-<group>-*`.
    """

    no_identity_problem = "The VM has no identity to grant a role to."
    no_identity_fix = "Keep system_assigned=True (the default) or set runtime_identity."
    props: VmWithIdentityProps
    resource: linux_virtual_machine.LinuxVirtualMachine

    def __init__(self, scope: Construct, construct_id: str, props: VmWithIdentityProps) -> None:
        path = child_path(scope, construct_id)
        _validate(path, props)
        super().__init__(scope, construct_id)
        self.props = props
        tags = dict(props.tags) or None

        self.public_ip: public_ip.PublicIp | None = None
        if props.public_ip:
            self.public_ip = public_ip.PublicIp(
                self,
                "public-ip",
                name=f"pip-{props.name}",
                resource_group_name=props.resource_group_name,
                location=props.location,
                sku="Standard",
                allocation_method="Static",
                tags=tags,
            )
        self.nic = network_interface.NetworkInterface(
            self,
            "nic",
            name=f"nic-{props.name}",
            resource_group_name=props.resource_group_name,
            location=props.location,
            ip_configuration=[
                network_interface.NetworkInterfaceIpConfiguration(
                    name="primary",
                    subnet_id=props.subnet_id,
                    private_ip_address_allocation="Dynamic",
                    public_ip_address_id=self.public_ip.id if self.public_ip else None,
                )
            ],
            tags=tags,
        )

        self.runtime_identity = props.runtime_identity
        self.identities = ManagedIdentities.of(
            props.system_assigned, self.runtime_identity, *props.user_assigned
        )

        image = props.image
        self.resource = linux_virtual_machine.LinuxVirtualMachine(
            self,
            "vm",
            name=props.name,
            computer_name=props.computer_name,
            resource_group_name=props.resource_group_name,
            location=props.location,
            size=props.size,
            network_interface_ids=[self.nic.id],
            admin_username=props.admin_username,
            admin_ssh_key=[
                linux_virtual_machine.LinuxVirtualMachineAdminSshKey(
                    username=props.admin_username, public_key=key
                )
                for key in props.ssh_public_keys
            ],
            disable_password_authentication=True,
            identity=self.identities.render(linux_virtual_machine.LinuxVirtualMachineIdentity),
            source_image_reference=linux_virtual_machine.LinuxVirtualMachineSourceImageReference(
                publisher=image.publisher, offer=image.offer, sku=image.sku, version=image.version
            ),
            os_disk=linux_virtual_machine.LinuxVirtualMachineOsDisk(
                caching=props.os_disk.caching,
                storage_account_type=props.os_disk.storage_account_type,
                disk_size_gb=props.os_disk.disk_size_gb,
            ),
            patch_mode=props.patch_mode,
            patch_assessment_mode=props.patch_mode,
            provision_vm_agent=True,
            allow_extension_operations=props.allow_extension_operations,
            secure_boot_enabled=props.trusted_launch or None,
            vtpm_enabled=props.trusted_launch or None,
            boot_diagnostics=(
                linux_virtual_machine.LinuxVirtualMachineBootDiagnostics()
                if props.boot_diagnostics
                else None
            ),
            tags=tags,
            depends_on=self._startup_depends_on([self.runtime_identity]),
        )
        self._order_grants_before()

        self.target = GrantTarget(name=construct_id, resource_id=self.resource.id)
        self._attach_system_assigned(props.system_assigned)

        self.entra_login_extension: virtual_machine_extension.VirtualMachineExtension | None = None
        self.login_grants: list[Grant] = []
        if props.entra_login is not None:
            self.entra_login_extension = virtual_machine_extension.VirtualMachineExtension(
                self,
                "entra-login",
                name="AADSSHLoginForLinux",
                virtual_machine_id=self.resource.id,
                publisher="Microsoft.Azure.ActiveDirectory",
                type="AADSSHLoginForLinux",
                type_handler_version="1.0",
                auto_upgrade_minor_version=True,
                tags=tags,
            )
            for role, groups in (
                (VM_USER_LOGIN, props.entra_login.user_groups),
                (VM_ADMIN_LOGIN, props.entra_login.admin_groups),
            ):
                for group in groups:
                    self.login_grants.append(
                        grant(
                            self,
                            group,
                            role,
                            self.target,
                            description=f"{role}: Entra ID sign-in to VM '{construct_id}' "
                            f"for group '{group.label}'",
                            id_prefix=f"entra-{slug(group.label)}",
                        )
                    )

    # What consumers and outputs need.
    @property
    def private_ip_address(self) -> str:
        return self.nic.private_ip_address

    @property
    def public_ip_address(self) -> str | None:
        return self.public_ip.ip_address if self.public_ip else None


def _validate(path: str | ChildPath, props: VmWithIdentityProps) -> None:
    check_name(LINUX_VM, props.name, path)
    check_name(LINUX_COMPUTER_NAME, props.computer_name or props.name, path)
    if props.admin_password is not None:
        raise KitValidationError(
            path,
            "vm-password-auth",
            "A password was given for the VM; the kit creates Linux VMs with password sign-in "
            "disabled (disable_password_authentication = true), so it would be refused or unused.",
            "Remove admin_password and pass ssh_public_keys, or use entra_login for sign-in "
            "with Entra ID.",
        )
    if isinstance(props.ssh_public_keys, str) or not props.ssh_public_keys:
        raise KitValidationError(
            path,
            "vm-ssh-key-missing",
            "The VM has no SSH public key, and password sign-in is disabled: nobody could sign "
            "in as the admin user.",
            "Pass ssh_public_keys=[...] with at least one OpenSSH public key (a public key is not "
            "a secret).",
        )
    enforce(path, props)
    _validate_image(path, props)
    if not props.system_assigned and not props.user_assigned and props.runtime_identity is None:
        raise KitValidationError(
            path,
            "vm-no-identity",
            "The VM would have no managed identity.",
            "Keep system_assigned=True (the default), or pass user_assigned / runtime_identity.",
        )
    if props.entra_login is not None:
        _validate_entra_login(path, props, props.entra_login)


def _validate_image(path: str | ChildPath, props: VmWithIdentityProps) -> None:
    image = props.image
    if not all(
        isinstance(value, str) and value.strip()
        for value in (image.publisher, image.offer, image.sku, image.version)
    ):
        raise KitValidationError(
            path,
            "vm-image",
            f"The image {image!r} has an empty publisher, offer, sku or version.",
            "Pass a complete VmImage, or leave image unset for Ubuntu 22.04 LTS Gen2.",
        )


def _validate_entra_login(
    path: str | ChildPath, props: VmWithIdentityProps, login: EntraLogin
) -> None:
    if not props.system_assigned:
        raise KitValidationError(
            path,
            "vm-entra-login-system-identity",
            "Entra ID sign-in (the AADSSHLoginForLinux extension) needs the VM's "
            "system-assigned identity, and it is turned off.",
            "Set system_assigned=True, or drop entra_login.",
        )
    if not props.allow_extension_operations:
        raise KitValidationError(
            path,
            "vm-extensions-disabled",
            "Entra ID sign-in is a VM extension, but extension operations are turned off.",
            "Set allow_extension_operations=True, or drop entra_login.",
        )
    for group in (*login.user_groups, *login.admin_groups):
        label_ok = isinstance(group.label, str) and bool(slug(group.label))
        if not label_ok or is_token(group.label):
            raise KitValidationError(
                path,
                "vm-entra-group",
                f"Entra group label {group.label!r} is empty or not literal; it is part of "
                "construct IDs.",
                "Give each EntraGroup a literal, stable label such as 'ops-admins'.",
            )
