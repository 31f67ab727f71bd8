"""Where files are kept: the evidence and the audit archive, through Django's storage API
(STORAGES["evidence"] and STORAGES["audit_archive"]).

The default for both is a folder (EVIDENCE_DIR, AUDIT_ARCHIVE_DIR). On several app nodes
that folder is one shared directory (an NFS or SMB mount): every file is written under a
hidden temporary name, flushed to disk and renamed into place, so that another node, a
backup or a crash never sees half a file. Another backend (say, object storage) can be
named in STORAGES without touching the code that keeps or reads the files.
"""

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages

EVIDENCE = "evidence"
AUDIT_ARCHIVE = "audit_archive"


def evidence() -> Storage:
    return storages[EVIDENCE]


def audit_archive() -> Storage:
    return storages[AUDIT_ARCHIVE]


def is_kept_name(name: str) -> bool:
    """A file of the storage's own (not a temporary one being written)."""
    return not name.startswith(".")


def names(storage: Storage) -> list[str]:
    """Every file kept at the top of a storage, sorted; none when the folder is missing."""
    try:
        _dirs, files = storage.listdir("")
    except FileNotFoundError:
        return []
    return sorted(n for n in files if is_kept_name(n))


class FolderStorage(FileSystemStorage):
    """A folder named by a setting, read at each use (so that a setting changed in a test
    or at start-up is followed), written with a durable write: temporary file, fsync,
    rename, fsync of the folder. Files are 0600 and folders 0700: only the service
    account reads them."""

    FILE_MODE, FOLDER_MODE = 0o600, 0o700

    def __init__(self, setting: str = "", location=None, allow_overwrite=False, **kwargs):
        kwargs.setdefault("file_permissions_mode", self.FILE_MODE)
        kwargs.setdefault("directory_permissions_mode", self.FOLDER_MODE)
        super().__init__(location=location, allow_overwrite=allow_overwrite, **kwargs)
        self.setting, self.folder, self.overwrite = setting, location, allow_overwrite

    @property
    def base_location(self):
        return str(self.folder if self.folder is not None else getattr(settings, self.setting))

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def _save(self, name, content):
        full = Path(self.path(name))
        full.parent.mkdir(parents=True, exist_ok=True, mode=self.FOLDER_MODE)
        if not self.overwrite and full.exists():
            raise FileExistsError(f"{name} exists already")
        fd, tmp = tempfile.mkstemp(dir=full.parent, prefix=f".{full.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                for chunk in content.chunks():
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, self.FILE_MODE)
            os.replace(tmp, full)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        folder = os.open(full.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
        return str(name).replace("\\", "/")
