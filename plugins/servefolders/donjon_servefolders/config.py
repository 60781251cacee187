"""The ``ServeFolders`` configuration section, in both of Orthanc's forms.

Orthanc accepts (Book, ``plugins/serve-folders.rst``):

- the short form, every key a URI and every value a folder:
  ``{"ServeFolders": {"/fosdem": "/home/jodogne/WWW/fosdem"}}``;
- the long form (Orthanc >= 1.2.0), with the folders under ``Folders`` next to
  ``Extensions``, ``AllowCache`` and ``GenerateETag``.

:meth:`ServeFoldersConfig.from_raw` turns the short form into the long one before
msgspec validates the section, so the rest of the plugin sees one shape.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import Meta, field

__all__ = ["SECTION", "ServeFoldersConfig", "normalize_uri"]

#: The section name, Orthanc's.
SECTION = "ServeFolders"

#: The key whose presence makes a section the long form.
_LONG_FORM_KEY = "Folders"


class ServeFoldersConfig(msgspec.Struct, rename="pascal", kw_only=True, forbid_unknown_fields=False):
    """The ``ServeFolders`` section (long form; the short form is converted by :meth:`from_raw`)."""

    folders: Annotated[dict[str, str], Meta(description="URI (e.g. '/app') -> folder of the filesystem served at that URI.")] = field(
        default_factory=dict
    )
    extensions: Annotated[dict[str, str], Meta(description="Extra MIME types by file extension, e.g. {'.mp4': 'video/mp4'}.")] = field(
        default_factory=dict
    )
    allow_cache: Annotated[bool, Meta(description="Let clients cache the files; false sends 'Cache-Control: no-cache...' (Orthanc's default).")] = False
    generate_etag: Annotated[bool, Meta(description="Send an ETag (MD5 of the file) and answer 304 to a matching If-None-Match.")] = field(
        name="GenerateETag", default=True
    )

    @staticmethod
    def from_raw(value: Any) -> Any:
        """The long form of a section as written in the configuration file.

        Orthanc decides by the presence of ``Folders``: without it, every key of the
        section is a URI (``OrthancPlugins::OrthancConfiguration`` in the plugin's
        ``ReadConfiguration``), so ``AllowCache`` next to short-form folders is itself
        taken as a folder and refused for not being a string, as Orthanc does.

        Args:
            value: The raw section (whatever JSON the file holds).

        Returns:
            The value msgspec validates as a :class:`ServeFoldersConfig`.
        """
        if isinstance(value, dict) and _LONG_FORM_KEY not in value:
            return {_LONG_FORM_KEY: value}
        return value

    @property
    def active(self) -> bool:
        """Whether there is anything to serve (an inactive plugin registers no route)."""
        return bool(self.folders)


def normalize_uri(uri: str) -> str:
    """A served URI without its leading and trailing slashes (``"/app/"`` → ``"app"``).

    Orthanc strips them the same way before registering ``/(app)/(.*)``.
    """
    return uri.strip("/")
