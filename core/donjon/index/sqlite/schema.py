"""The SQLite schema, created with sqlite-utils and versioned in ``global_properties``."""

from __future__ import annotations

import sqlite3

import sqlite_utils

__all__ = ["SCHEMA_VERSION", "create_schema"]

SCHEMA_VERSION = 1


def create_schema(conn: sqlite3.Connection) -> None:
    """Create the tables and indexes if missing (idempotent)."""
    db = sqlite_utils.Database(conn)
    db["resources"].create(
        {"id": int, "level": int, "public_id": str, "parent_id": int},
        pk="id",
        not_null={"level", "public_id"},
        foreign_keys=[("parent_id", "resources", "id")],
        if_not_exists=True,
    )
    db["main_dicom_tags"].create(
        {"resource_id": int, "tag": str, "value": str, "norm": str},
        pk=("resource_id", "tag"),
        foreign_keys=[("resource_id", "resources", "id")],
        if_not_exists=True,
    )
    db["metadata"].create(
        {"resource_id": int, "type": int, "value": str, "revision": int},
        pk=("resource_id", "type"),
        foreign_keys=[("resource_id", "resources", "id")],
        if_not_exists=True,
    )
    db["attached_files"].create(
        {
            "resource_id": int,
            "file_type": int,
            "uuid": str,
            "compressed_size": int,
            "uncompressed_size": int,
            "compression": int,
            "uncompressed_md5": str,
            "compressed_md5": str,
            "revision": int,
        },
        pk=("resource_id", "file_type"),
        foreign_keys=[("resource_id", "resources", "id")],
        if_not_exists=True,
    )
    db["labels"].create(
        {"resource_id": int, "label": str},
        pk=("resource_id", "label"),
        foreign_keys=[("resource_id", "resources", "id")],
        if_not_exists=True,
    )
    db["changes"].create(
        {"seq": int, "change_type": int, "level": int, "public_id": str, "date": str},
        pk="seq",
        if_not_exists=True,
    )
    db["exports"].create(
        {
            "seq": int,
            "level": int,
            "public_id": str,
            "remote_modality": str,
            "patient_id": str,
            "study_instance_uid": str,
            "series_instance_uid": str,
            "sop_instance_uid": str,
            "date": str,
        },
        pk="seq",
        if_not_exists=True,
    )
    db["patient_recycling_order"].create({"seq": int, "patient_id": int}, pk="seq", if_not_exists=True)
    db["protected_patients"].create({"patient_id": int}, pk="patient_id", if_not_exists=True)
    db["global_properties"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
    db["jobs"].create({"id": str, "data": bytes}, pk="id", if_not_exists=True)
    conn.executescript(
        """
        CREATE UNIQUE INDEX IF NOT EXISTS resources_public_id ON resources(public_id);
        CREATE INDEX IF NOT EXISTS resources_parent ON resources(parent_id);
        CREATE INDEX IF NOT EXISTS resources_level ON resources(level, id);
        CREATE INDEX IF NOT EXISTS main_tags_value ON main_dicom_tags(tag, value);
        CREATE INDEX IF NOT EXISTS main_tags_norm ON main_dicom_tags(tag, norm);
        CREATE INDEX IF NOT EXISTS labels_label ON labels(label);
        CREATE UNIQUE INDEX IF NOT EXISTS recycling_patient ON patient_recycling_order(patient_id);
        CREATE INDEX IF NOT EXISTS attached_uuid ON attached_files(uuid);
        CREATE INDEX IF NOT EXISTS changes_public_id ON changes(public_id);
        """
    )
    conn.execute(
        "INSERT OR IGNORE INTO global_properties(key, value) VALUES ('SchemaVersion', ?)", (str(SCHEMA_VERSION),)
    )
