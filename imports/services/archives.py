"""Unpacking an uploaded zip of the old system's CSV files, refusing anything unsafe.

Limits: the upload's size; the total unpacked size and each file's compression ratio
(a zip bomb unpacks a few kilobytes into gigabytes), checked against the zip's directory
and again while unpacking, since a zip can lie about its sizes; and paths: only the five
files, at the top or in one folder, nothing absolute and nothing climbing out with `..`.
"""

import zipfile
import zlib
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from ..errors import UploadError
from .reading import FILE_NAMES

MB = 1024 * 1024
CHUNK = 64 * 1024


def max_upload_bytes() -> int:
    return getattr(settings, "COURSEBOOK_IMPORT_MAX_UPLOAD_MB", 50) * MB


def max_unpacked_bytes() -> int:
    return getattr(settings, "COURSEBOOK_IMPORT_MAX_UNPACKED_MB", 500) * MB


# CSV text packs to a fifth or a tenth of its size; a bomb to a thousandth or less.
MAX_RATIO = 100
RATIO_CHECKED_ABOVE = MB  # Small files cannot do harm whatever their ratio.
FILES_WANTED = ", ".join(FILE_NAMES)


def _ignored(path: PurePosixPath) -> bool:
    """Folders and the files an operating system adds by itself."""
    return path.parts[0] == "__MACOSX" or any(part.startswith(".") for part in path.parts)


def _member_name(info: zipfile.ZipInfo) -> str | None:
    raw = info.filename.replace("\\", "/")
    path = PurePosixPath(raw)
    if raw.startswith("/") or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise UploadError(
            "The zip holds a file outside its own folder, which is not allowed: make the zip "
            "again from the CSV files"
        )
    if info.is_dir() or _ignored(path):
        return None
    if len(path.parts) > 2:
        raise UploadError("Put the CSV files at the top of the zip, or in one folder inside it")
    if path.name not in FILE_NAMES:
        raise UploadError(
            f"The zip holds '{path.name[:100]}', which is not one of the import's files: "
            f"{FILES_WANTED}"
        )
    if info.flag_bits & 0x1:
        raise UploadError("The zip is protected by a password: make it again without one")
    return path.name


def _copy(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Unpack one file, stopping as soon as it is larger than it said it was."""
    written = 0
    with archive.open(info) as source, target.open("wb") as out:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            if written > info.file_size or written > budget:
                raise UploadError("The zip's files are larger than it says: it cannot be used")
            out.write(chunk)
    return written


def upload_unpack(*, upload: UploadedFile, folder: Path) -> list[str]:
    """Check the uploaded zip and unpack the CSV files it holds into `folder`; returns
    their names. Anything unsafe or unusable raises UploadError saying why."""
    limit = max_upload_bytes()
    if upload.size > limit:
        raise UploadError(f"The file must be smaller than {limit // MB} MB")
    try:
        if not zipfile.is_zipfile(upload):
            raise UploadError("The file must be a zip file of the CSV files")
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            members = []
            for info in archive.infolist():
                name = _member_name(info)
                if name is None:
                    continue
                if name in {taken for _, taken in members}:
                    raise UploadError(f"The zip holds {name} twice: keep one")
                members.append((info, name))
            if not members:
                raise UploadError(f"The zip holds none of the import's files: {FILES_WANTED}")
            unpacked_limit = max_unpacked_bytes()
            if sum(info.file_size for info, _ in members) > unpacked_limit:
                raise UploadError(
                    f"The files unpack to more than {unpacked_limit // MB} MB: import the "
                    "history in parts"
                )
            for info, name in members:
                packed = max(info.compress_size, 1)
                if info.file_size > RATIO_CHECKED_ABOVE and info.file_size / packed > MAX_RATIO:
                    raise UploadError(
                        f"{name} unpacks to more than {MAX_RATIO} times its packed size, as "
                        "zip bombs do: it cannot be used"
                    )
            budget = unpacked_limit
            for info, name in members:
                budget -= _copy(archive, info, folder / name, budget)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        NotImplementedError,
        RuntimeError,
        EOFError,
        OSError,
    ):
        raise UploadError(
            "The zip file is damaged or uses a kind of zip that cannot be read"
        ) from None
    return [name for _, name in members]
