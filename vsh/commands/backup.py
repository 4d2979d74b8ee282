"""Domain backups (tools/virsh-backup.c): backup-begin, backup-dumpxml."""

from __future__ import annotations

import libvirt

from vsh.commands.common import domain_option, xpath_options
from vsh.core.command import command, option, option_flags
from vsh.core.grammar import OptKind
from vsh.core.session import Session
from vsh.core.vshutil import read_file_all
from vsh.virt import lookup

GROUP = "backup"
L = libvirt
ACTIVE = L.VIR_CONNECT_LIST_DOMAINS_ACTIVE
# virsh's backup XML when none is given: a push backup of every disk, libvirt's defaults.
DEFAULT_BACKUP_XML = "<domainbackup/>"


@command(
    "backup-begin",
    summary="Start a disk backup of a live domain",
    description="Use XML to start a full or incremental disk backup of a live "
    "domain, optionally creating a checkpoint",
    group=GROUP,
)
@domain_option(ACTIVE)
@option("backupxml", OptKind.STRING, "domain backup XML", value_kind="file")
@option("checkpointxml", OptKind.STRING, "domain checkpoint XML", value_kind="file")
@option(
    "reuse-external",
    OptKind.BOOL,
    "reuse files provided by caller",
    flag=L.VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL,
)
def backup_begin(
    s: Session,
    domain: str,
    backupxml: str | None,
    checkpointxml: str | None,
    reuse_external: bool,
) -> bool:
    flags = option_flags()
    dom = lookup.domain(s, domain, cmd="backup-begin")
    # virsh reads the backup file before it looks at the checkpoint option.
    path = s.text(backupxml, "backupxml")
    backup = DEFAULT_BACKUP_XML if path is None else read_file_all(path)
    path = s.text(checkpointxml, "checkpointxml")
    checkpoint = None if path is None else read_file_all(path)
    dom.backupBegin(backup, checkpoint, flags)
    s.print("Backup started\n")
    return True


@command(
    "backup-dumpxml",
    summary="Dump XML for an ongoing domain block backup job",
    description="Backup Dump XML",
    group=GROUP,
)
@domain_option(ACTIVE)
@xpath_options
def backup_dumpxml(s: Session, domain: str, xpath: str | None, wrap: bool) -> bool:
    from vsh.virt import xpathdump

    dom = lookup.domain(s, domain, cmd="backup-dumpxml")
    if xpath == "":
        return False  # vshCommandOptStringQuiet: an empty value fails silently
    xml = dom.backupGetXMLDesc(0)
    xpathdump.dump(s.print, xml, "domain-backup", xpath, wrap)
    return True
