"""Runs a C unit test against a real PostgreSQL: starts one in a temporary
directory (../daemon/pgserver.py), makes the database 'feedd_test', runs the
test with FEEDD_TEST_PG set to its libpq connection string, and stops the
server whatever the test did. The test's TAP goes through untouched; the
test's exit status is ours.

    python3 with_pg.py TEST_EXECUTABLE [ARGS...]

Without PostgreSQL this fails (Bail out!): CI installs it."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "daemon"))
from pgserver import PgServer, PgError  # noqa: E402


def main():
    if len(sys.argv) < 2:
        print("usage: with_pg.py TEST [ARGS...]", file=sys.stderr)
        return 2
    try:
        with PgServer() as pg:
            env = dict(os.environ,
                       FEEDD_TEST_PG=pg.create_database("feedd_test"))
            return subprocess.call(sys.argv[1:], env=env)
    except PgError as e:
        print(f"Bail out! PostgreSQL for the test: {e}", flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
