from auditor.cli import demo_project


def test_demo_scan_finds_wrapper_registry_and_enum_keys(scan_db):
    summary, conn = scan_db(demo_project())
    rows = conn.execute(
        "SELECT flag_key, provider, confidence FROM flag_reads WHERE scan_id = ? ORDER BY path, line",
        [summary.scan_id],
    ).fetchall()
    assert ("NEW_DASHBOARD", "inhouse", "high") in rows
    assert ("TAGGING_SYSTEM", "launchdarkly", "high") in rows
    assert ("dark-mode", "launchdarkly", "high") in rows  # camelCased darkMode mapped back
    assert ("experimental-ui", "unleash", "low") in rows
