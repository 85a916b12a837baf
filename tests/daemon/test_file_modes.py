"""Files the daemon makes are not world-readable, outside systemd too: run
with the permissive umask 022 of a login shell, the database, its WAL and
shared-memory files come out without any bit for others, and a stricter
umask (systemd's UMask=0077) is kept as it is."""
import os
import stat

from feeddtest import Daemon, TempDir, check, done, http_unix

tmp = TempDir()


def modes(d):
    out = {}
    for suffix in ("", "-wal", "-shm"):
        p = d.database + suffix
        if os.path.exists(p):
            out[os.path.basename(p)] = stat.S_IMODE(os.stat(p).st_mode)
    return out


for umask, name in ((0o022, "loose"), (0o077, "strict")):
    old = os.umask(umask)
    try:
        d = Daemon(tmp, "[feedd]\nlog_level = info\n", name=name).start()
    finally:
        os.umask(old)
    # A write, so that the WAL holds something.
    code, doc, _ = http_unix(d.socket, "PUT", "/v1/cursors/modes",
                             body={"value": 0})
    check(code in (200, 204), "a write over the socket (%s)" % name, doc)
    got = modes(d)
    check(name + ".db" in got and name + ".db-wal" in got,
          "the database and its WAL exist (%s)" % name, got)
    check(all(m & 0o007 == 0 for m in got.values()),
          "umask %03o: no file is readable by others" % umask,
          {k: oct(v) for k, v in got.items()})
    if umask == 0o077:
        check(all(m & 0o077 == 0 for m in got.values()),
              "umask 077 is kept: no bit for the group either",
              {k: oct(v) for k, v in got.items()})
    check(stat.S_IMODE(os.stat(d.socket).st_mode) == 0o660,
          "the socket stays 0660 (%s)" % name)
    check(d.stop() == 0, "the daemon stops (%s)" % name)

tmp.cleanup()
done()
