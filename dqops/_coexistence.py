"""One warning at import when upstream's `dqops` distribution is installed beside this SDK.

Upstream's client (the `dqops` distribution) and this SDK (`dqops-sdk`) both install the
package directory `dqops/`. In one environment, whichever was installed last has overwritten
the other's files, and `pip uninstall dqops` deletes files this SDK needs. The check lists the
directory that holds the package (site-packages) once, when `dqops` is first imported: no
distribution metadata is read, since importlib.metadata would scan every entry of sys.path.
"""

from __future__ import annotations

import os

UPSTREAM_DISTRIBUTION = "dqops"
SDK_DISTRIBUTION = "dqops-sdk"
_RECORD_SUFFIXES = (".dist-info", ".egg-info")


class UpstreamDistributionWarning(UserWarning):
    """Upstream's `dqops` distribution is installed in the same directory as dqops-sdk."""


def upstream_records(site_dir: str) -> list[tuple[str, str]]:
    """(record name, version) of each installation record of upstream's `dqops` in `site_dir`.

    Records are `dqops-1.13.1.dist-info` (pip) or `dqops-1.13.1-py3.11.egg-info` (older
    installers); this SDK's own record is `dqops_sdk-...`, another distribution.
    """
    try:
        names = os.listdir(site_dir)
    except OSError:
        return []
    records = []
    for name in sorted(names):
        if not name.endswith(_RECORD_SUFFIXES):
            continue
        distribution, _, rest = name.rpartition(".")[0].partition("-")
        if distribution.lower() == UPSTREAM_DISTRIBUTION:
            records.append((name, rest.partition("-")[0] or "of unknown version"))
    return records


def conflict_message(site_dir: str, sdk_version: str, records: list[tuple[str, str]]) -> str:
    versions = ", ".join(version for _, version in records)
    return (
        f"upstream's {UPSTREAM_DISTRIBUTION} {versions} and {SDK_DISTRIBUTION} {sdk_version} are both installed in "
        f"{site_dir}. They share the package directory dqops/, so each has overwritten files of the other, and "
        f"`pip uninstall {UPSTREAM_DISTRIBUTION}` also deletes files of {SDK_DISTRIBUTION}. To use {SDK_DISTRIBUTION}: "
        f"run `pip uninstall {UPSTREAM_DISTRIBUTION}`, then `pip install --force-reinstall --no-deps "
        f"{SDK_DISTRIBUTION}=={sdk_version}` (or the wheel you installed it from). Keep upstream's client, with its "
        "`dqo` launcher, in another virtual environment."
    )


def warn_if_upstream_installed(sdk_version: str) -> None:
    """Warn once, at the import of `dqops`, if upstream's distribution shares this package's directory."""
    site_dir = os.path.dirname(os.path.dirname(__file__))
    records = upstream_records(site_dir)
    if records:
        import warnings

        # stacklevel 3: the statement that imported dqops (importlib's own frames are skipped).
        warnings.warn(conflict_message(site_dir, sdk_version, records), UpstreamDistributionWarning, stacklevel=3)
