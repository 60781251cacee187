"""The server context: configuration, plugins, index, storage, events.

Everything that handles data goes through one :class:`Server`: REST handlers get it
by dependency injection, DICOM handlers through the SCP, plugins through hooks.
Listeners (HTTP, DICOM) are started by :mod:`donjon.runner`; a Server alone is a
complete, embeddable DICOM store.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from . import __version__, compression
from .config import Config
from .deletion import delete_resource
from .enums import ChangeType, FileContentType, ResourceLevel
from .errors import DonjonError, ErrorCode
from .events import EventDispatcher
from .index import DeleteResult, FileInfo, IndexBackend
from .ingest import StoreResult, store
from .jobs import JobsEngine
from .plugins import PluginHost
from .stability import StabilityTracker
from .stash import Stash
from .storage import StorageArea
from .types import Change, Origin

__all__ = ["Server"]

log = logging.getLogger(__name__)


class Server:
    """A running Donjon: what handlers, DICOM services and plugins act upon.

    Args:
        config: The validated configuration (plugin sections included).
        plugins: The plugin host that loaded the built-ins and the external plugins.
    """

    version = __version__

    def __init__(self, config: Config, plugins: PluginHost) -> None:
        self.config = config
        self.plugins = plugins
        self.stash = Stash()
        self.started_at = time.time()
        # call_all, not notify: a configure hook that raises must stop the start (hookspec).
        self.plugins.call_all("donjon_configure", config=config)
        self.storage: StorageArea = plugins.exclusive("donjon_storage_area", ErrorCode.StorageAreaAlreadyRegistered, config=config)
        if not config.core.store_dicom:
            from .storage.index_only import IndexOnlyStorage

            self.storage = IndexOnlyStorage(self.storage)
        self.index: IndexBackend = plugins.exclusive("donjon_index_backend", ErrorCode.DatabaseBackendAlreadyRegistered, config=config)
        self.events = EventDispatcher(self)
        self.stability = StabilityTracker(self, config.core.stable_age)
        self.jobs = JobsEngine(self)
        self.http_port: int | None = None
        self.dicom_port: int | None = None
        #: Builds the next server on ``POST /tools/reset`` (set by ``create_server``).
        self.factory: Any = None
        #: The :class:`~donjon.runner.Runner` exposing this server, if any.
        self.runner: Any = None
        self._started = False

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> None:
        """Start the event and stability threads and call ``donjon_startup``."""
        from .consistency import check_consistency, ensure_server_identifier

        ensure_server_identifier(self)
        self.consistency = check_consistency(self)
        self.events.start()
        self.stability.start()
        for impl in reversed(self.plugins.hook.donjon_startup.get_hookimpls()):
            impl.function(**{k: self for k in impl.argnames})
        # After donjon_startup: reloaded jobs may need what the plugins set up.
        self.jobs.start()
        self._started = True

    def stop(self) -> None:
        """Call ``donjon_shutdown``, stop the threads, close index (storage has nothing to close)."""
        if not self._started:
            return
        self._started = False
        self.jobs.stop()
        self.plugins.notify("donjon_shutdown", server=self)
        self.stability.stop()
        self.events.drain()
        self.events.stop()
        self.index.close()

    # -- time -------------------------------------------------------------------

    @staticmethod
    def now() -> str:
        """Orthanc's timestamp format: ISO 8601 basic, UTC, whole seconds (``20240131T235959``)."""
        return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")

    # -- instances ---------------------------------------------------------------

    def store(self, data: bytes, origin: Origin) -> StoreResult:
        """Store one DICOM file (see :func:`donjon.ingest.store`)."""
        return store(self, data, origin)

    def read_attachment(self, public_id: str, content_type: int, level: ResourceLevel | None = None) -> bytes:
        """The uncompressed content of an attachment.

        Raises:
            DonjonError: ``UnknownResource`` or ``InexistentItem`` when absent.
        """
        with self.index.read() as tx:
            resource = tx.lookup(public_id, level)
            if resource is None:
                raise DonjonError(ErrorCode.UnknownResource, f"no resource {public_id}")
            info = tx.attachments(resource.internal_id).get(content_type)
        if info is None:
            raise DonjonError(ErrorCode.InexistentItem, f"resource {public_id} has no attachment {content_type}")
        return compression.decompress(self.storage.read(info.uuid, content_type), info.compression)

    def dicom_attachment(self, instance_id: str) -> FileInfo:
        """The record of an instance's DICOM file (its UUID names the content, for caches).

        Raises:
            DonjonError: ``UnknownResource`` when there is no such instance,
                ``InexistentFile`` when it has no DICOM file (``StoreDicom: false``).
        """
        with self.index.read() as tx:
            resource = tx.lookup(instance_id, ResourceLevel.INSTANCE)
            if resource is None:
                raise DonjonError(ErrorCode.UnknownResource, f"no instance {instance_id}")
            info = tx.attachments(resource.internal_id).get(FileContentType.Dicom)
        if info is None:
            raise DonjonError(ErrorCode.InexistentFile, f"instance {instance_id} has no DICOM file")
        return info

    def read_dicom(self, instance_id: str) -> bytes:
        """The DICOM file of an instance, as received."""
        return self.read_attachment(instance_id, FileContentType.Dicom, ResourceLevel.INSTANCE)

    # -- deletion and changes -----------------------------------------------------

    def delete(self, level: ResourceLevel, public_id: str) -> dict[str, Any]:
        """Delete a resource and what depends on it (``DELETE /{level}/{id}``)."""
        return delete_resource(self, level, public_id)

    def after_delete(self, result: DeleteResult, changes: list[Change]) -> None:
        """After a delete committed: remove the files, forget timers, publish changes."""
        for info in result.attachments:
            self.storage.remove(info.uuid, info.content_type)
        for resource in result.deleted:
            self.stability.forget(resource.public_id)
        for change in changes:
            self.events.publish(change)

    def log_change(self, change_type: ChangeType, level: ResourceLevel, public_id: str) -> Change | None:
        """Log a change on an existing resource and publish it; None if the resource is gone."""
        now = self.now()
        with self.events.ordering:  # events in /changes order (see EventDispatcher.ordering)
            with self.index.write() as tx:
                if tx.lookup(public_id, level) is None:
                    return None
                seq = tx.log_change(change_type, level, public_id, now)
            change = Change(seq=seq, change_type=change_type, level=level, resource_id=public_id, path=f"/{level.plural}/{public_id}", date=now)
            self.events.publish(change)
        return change
