import os

os.environ.setdefault("MPLBACKEND", "Agg")  # tests never open windows


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: executes notebooks or trains networks (seconds each)")


def pytest_terminal_summary(terminalreporter):
    """Per notebook: how many checks fail on the stub and how many wrong answers they catch."""
    import sys
    module = next((m for name, m in sys.modules.items() if name.endswith("test_exercises")), None)
    report = getattr(module, "BITE_REPORT", None)
    if not report:
        return
    terminalreporter.section("checks that bite")
    for notebook, row in sorted(report.items()):
        terminalreporter.write_line(
            f"{notebook}: {row.get('checks', '?')} checks; {row.get('fail_on_stub', '?')} fail on the stub; "
            f"{row.get('wrong_caught', '?')} plausible wrong answers caught with their specific message")
