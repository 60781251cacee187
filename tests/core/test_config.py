"""Configuration: Orthanc's keys and defaults, files and folders, comments, types, environment."""

from __future__ import annotations

import logging
from pathlib import Path

import msgspec
import pytest

from donjon.config import load_config
from donjon.config.jsonc import loads_jsonc
from donjon.config.loader import ConfigError
from donjon.config.model import DEFAULTS_DIFFERING_FROM_ORTHANC, CoreConfig

REFERENCE = Path("/work/shared/reference/orthanc-1.10.1-default-configuration.json")


class DicomWebSection(msgspec.Struct, rename="pascal", kw_only=True, forbid_unknown_fields=False):
    """A plugin section, as a plugin declares it through ``donjon_config_sections``."""

    enable: bool = False
    root: str = "/dicom-web/"
    servers: dict[str, object] = msgspec.field(default_factory=dict)


SECTIONS = {"DicomWeb": DicomWebSection}


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _unknown_key_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "unknown configuration key" in r.getMessage()]


# -- Orthanc's keys and defaults ------------------------------------------------------------


@pytest.mark.skipif(not REFERENCE.exists(), reason="reference configuration not available")
def test_reference_configuration_loads_without_unknown_keys(caplog):
    with caplog.at_level(logging.WARNING):
        config = load_config(REFERENCE, environ={})
    assert _unknown_key_warnings(caplog) == []
    # Values read from the file are Orthanc's, including the one default Donjon changes.
    assert config.core.web_dav_enabled is True
    assert config.core.dicom_aet == "ORTHANC" and config.core.http_port == 8042


@pytest.mark.skipif(not REFERENCE.exists(), reason="reference configuration not available")
def test_defaults_are_orthanc_defaults_except_documented_differences():
    reference = loads_jsonc(REFERENCE.read_text())
    ours = msgspec.to_builtins(CoreConfig())
    differing = {k for k, v in reference.items() if ours.get(k) != v}
    assert differing == set(DEFAULTS_DIFFERING_FROM_ORTHANC)
    for key, reason in DEFAULTS_DIFFERING_FROM_ORTHANC.items():
        assert key in reference and len(reason) > 40, f"{key}: a difference needs a written reason"


def test_commented_out_orthanc_keys_are_known(caplog):
    # TemporaryDirectory and Locale appear commented in Orthanc's file: sites do set them.
    with caplog.at_level(logging.WARNING):
        config = load_config(None, raw={"TemporaryDirectory": "/tmp/x", "Locale": "en_US.UTF-8"}, environ={})
    assert _unknown_key_warnings(caplog) == []
    assert config.core.temporary_directory == "/tmp/x"


# -- files, folders, comments ------------------------------------------------------------------


def test_folder_of_json_files_is_merged(tmp_path):
    _write(tmp_path / "dicom.json", '{"DicomAet": "ARCHIVE", "DicomPort": 1104}')
    _write(tmp_path / "http.json", '{"HttpPort": 8080}')
    _write(tmp_path / "notes.txt", "not json, not read")
    config = load_config(tmp_path, environ={})
    assert (config.core.dicom_aet, config.core.dicom_port, config.core.http_port) == ("ARCHIVE", 1104, 8080)


def test_key_defined_in_two_files_is_an_error_naming_both(tmp_path):
    _write(tmp_path / "a.json", '{"DicomAet": "A"}')
    _write(tmp_path / "b.json", '{"DicomAet": "B"}')
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path, environ={})
    assert "DicomAet" in str(err.value) and "a.json" in str(err.value) and "b.json" in str(err.value)


def test_comments_are_removed_but_strings_keep_slashes(tmp_path):
    text = """{
      // a line comment
      "Name" : "http://example.org/a//b", /* a block
      comment over lines */ "DicomAet" : "A/*B*/C",
      "StorageDirectory" : "C:\\\\x\\"//y" // trailing
    }"""
    config = load_config(_write(tmp_path / "c.json", text), environ={})
    assert config.core.name == "http://example.org/a//b"
    assert config.core.dicom_aet == "A/*B*/C"
    assert config.core.storage_directory == 'C:\\x"//y'


def test_invalid_json_names_the_file_and_line(tmp_path):
    path = _write(tmp_path / "bad.json", '{\n  "Name": "x",\n  "DicomAet": ORTHANC\n}')
    with pytest.raises(ConfigError) as err:
        load_config(path, environ={})
    assert "bad.json" in str(err.value) and "line 3" in str(err.value)


def test_unterminated_block_comment_is_an_error(tmp_path):
    path = _write(tmp_path / "bad.json", '{\n  "Name": "x" /* never closed\n}')
    with pytest.raises(ConfigError, match="unterminated"):
        load_config(path, environ={})


def test_missing_configuration_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.json", environ={})


# -- unknown keys and wrong types -----------------------------------------------------------


def test_unknown_keys_are_warned_about_at_top_level_and_in_sections(tmp_path, caplog):
    path = _write(tmp_path / "c.json", '{"DicomAett": "X", "DicomWeb": {"Rooot": "/x/"}, "DicomModalities": {"any": ["A", "h", 1]}}')
    with caplog.at_level(logging.WARNING):
        config = load_config(path, SECTIONS, environ={})
    warnings = _unknown_key_warnings(caplog)
    assert any("'DicomAett'" in w for w in warnings)
    assert any("'DicomWeb.Rooot'" in w for w in warnings)
    # Free-form objects (modality names) are not "unknown keys".
    assert not any("any" in w.split("'")[1] for w in warnings)
    assert config.core.dicom_aet == "ORTHANC"


def test_wrong_type_is_refused_naming_the_key_path(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path / "c.json", '{"DicomAet": 42}'), environ={})
    assert "$.DicomAet" in str(err.value) and "c.json" in str(err.value)


def test_wrong_type_in_a_plugin_section_names_the_section(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path / "c.json", '{"DicomWeb": {"Root": 5}}'), SECTIONS, environ={})
    assert "$.DicomWeb.Root" in str(err.value)


def test_section_that_is_not_an_object_names_the_section(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path / "c.json", '{"DicomWeb": true}'), SECTIONS, environ={})
    assert "$.DicomWeb" in str(err.value)


# -- environment -----------------------------------------------------------------------------------


def test_env_override_sets_a_top_level_key():
    config = load_config(None, environ={"ORTHANC__DICOM_AET": "FROMENV", "ORTHANC__HTTP_PORT": "8080"})
    assert config.core.dicom_aet == "FROMENV" and config.core.http_port == 8080


def test_env_override_reaches_into_a_section_and_beats_the_file(tmp_path):
    path = _write(tmp_path / "c.json", '{"DicomWeb": {"Enable": true, "Root": "/file/"}}')
    config = load_config(path, SECTIONS, environ={"ORTHANC__DICOM_WEB__ROOT": "/env/"})
    section = config.section(DicomWebSection)
    assert section.root == "/env/" and section.enable is True


def test_env_override_takes_json_values():
    env = {"ORTHANC__REGISTERED_USERS": '{"alice": "pw1234"}', "ORTHANC__DICOM_WEB__SERVERS": '{"s": ["http://x/"]}'}
    config = load_config(None, SECTIONS, environ=env)
    assert config.core.registered_users == {"alice": "pw1234"}
    assert config.section(DicomWebSection).servers == {"s": ["http://x/"]}


@pytest.mark.parametrize("text, expected", [("true", True), ("TRUE", True), ("False", False), ("false", False)])
def test_env_override_booleans_in_any_case(text, expected):
    assert load_config(None, environ={"ORTHANC__SSL_ENABLED": text}).core.ssl_enabled is expected


def test_env_override_of_a_string_key_keeps_the_text():
    # "123" is valid JSON for a number, but Name is a string: the text is kept.
    config = load_config(None, environ={"ORTHANC__NAME": "123", "ORTHANC__DICOM_AET": "true"})
    assert config.core.name == "123" and config.core.dicom_aet == "true"


def test_env_override_matches_keys_with_two_capitals():
    # Orthanc's Docker images list exceptions such as StoreMD5ForAttachments, CaseSensitivePN.
    config = load_config(None, environ={"ORTHANC__STORE_MD5_FOR_ATTACHMENTS": "false", "ORTHANC__CASE_SENSITIVE_PN": "true"})
    assert config.core.store_md5_for_attachments is False and config.core.case_sensitive_pn is True


def test_env_override_of_wrong_type_names_the_key():
    with pytest.raises(ConfigError, match=r"\$\.HttpPort"):
        load_config(None, environ={"ORTHANC__HTTP_PORT": "eighty"})


def test_variables_in_files_are_substituted(tmp_path):
    # As Orthanc 1.5.0: the text is substituted before parsing, so numbers work too.
    text = '{"Name": "${DJ_NAME}", "DicomAet": "${DJ_UNSET:-FALLBACK}", "HttpPort": ${DJ_PORT}}'
    path = _write(tmp_path / "c.json", text)
    config = load_config(path, environ={"DJ_NAME": "Hello", "DJ_PORT": "8081"})
    assert (config.core.name, config.core.dicom_aet, config.core.http_port) == ("Hello", "FALLBACK", 8081)


def test_env_override_is_visible_in_a_running_server(donjon_server):
    srv = donjon_server(mode="process", env={"ORTHANC__NAME": "FromTheEnvironment", "ORTHANC__DICOM_AET": "ENVAET"})
    system = srv.http.get("/system").json()
    assert system["Name"] == "FromTheEnvironment" and system["DicomAet"] == "ENVAET"


def test_wrong_type_refuses_an_in_process_start(donjon_server):
    with pytest.raises(ConfigError, match=r"\$\.StableAge"):
        donjon_server({"StableAge": "soon"})
