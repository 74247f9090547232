"""What the JVM prints while Spark starts stays off the CLI's stderr (checked with a child
process standing in for the JVM: starting a real one costs a minute)."""

from __future__ import annotations

import subprocess
import sys
import tempfile

from auditor.spark.session import _telling_line, jvm_output_captured


def test_a_child_started_meanwhile_writes_to_the_sink_and_stderr_comes_back(capfd):
    child = [sys.executable, "-c", "import sys; sys.stderr.write('WARN NativeCodeLoader\\n')"]
    with tempfile.TemporaryFile() as sink:
        with jvm_output_captured(sink):
            subprocess.run(child, check=True)
        print("auditor: our own line", file=sys.stderr)
        assert _telling_line(sink) == "WARN NativeCodeLoader"
        sink.write(b"spark-class: line 71: /opt/java/bin/java: No such file or directory\n")
        sink.write(b"spark-class: line 97: CMD: bad array subscript\n")
        assert "java: No such file or directory" in _telling_line(sink)
    err = capfd.readouterr().err
    assert "NativeCodeLoader" not in err
    assert "auditor: our own line" in err


def test_stderr_is_restored_when_the_start_fails(capfd):
    with tempfile.TemporaryFile() as sink:
        try:
            with jvm_output_captured(sink):
                raise RuntimeError("JAVA_HOME is not set")
        except RuntimeError:
            pass
    print("after", file=sys.stderr)
    assert "after" in capfd.readouterr().err
