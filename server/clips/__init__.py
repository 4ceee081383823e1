"""Where clips and snapshots live: an interface and the default directory implementation."""

from server.clips.directory import DirectoryClipStore
from server.clips.store import ClipStore, ClipStoreError, ClipStoreFull

__all__ = ["ClipStore", "ClipStoreError", "ClipStoreFull", "DirectoryClipStore"]
