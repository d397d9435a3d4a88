"""The light provider loader: same output, far fewer modules, nothing broken
for code that imports the provider package directly."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from azure_identity_kit import azurerm


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_synth_is_byte_identical_with_and_without_the_light_loader(
    synth_outdir, eager_synth_outdir
):
    light = _files(synth_outdir / "stacks")
    eager = _files(eager_synth_outdir / "stacks")
    assert sorted(light) == sorted(eager), "both runs must write the same files"
    different = [name for name in light if light[name] != eager[name]]
    assert different == [], f"files differ byte for byte: {different}"
    assert len(light) >= 3


def test_only_the_used_submodules_are_loaded():
    loaded = [name for name in sys.modules if name.startswith(azurerm.PACKAGE + ".")]
    assert 0 < len(loaded) < 100, f"{len(loaded)} provider modules loaded; the package has ~1,500"
    assert f"{azurerm.PACKAGE}.aadb2_c_directory" not in sys.modules


def test_direct_use_of_the_provider_package_still_works():
    package = importlib.import_module(azurerm.PACKAGE)
    assert "windows_web_app" in package.__all__ and len(package.__all__) > 1000
    lazily = package.virtual_network.VirtualNetwork
    assert lazily.__name__ == "VirtualNetwork"
    from cdktf_cdktf_provider_azurerm.public_ip import PublicIp

    assert PublicIp.__module__.endswith("public_ip")
