#!/usr/bin/env python3
"""The systemd files as installed: `meson install` into a scratch root, then
systemd-analyze verify (no output at all; Documentation=man: pages checked
against the installed ones), the exposure score of
feedd.service (at most 1.1, every remaining exposure explained in the unit),
and the sysusers and tmpfiles snippets applied offline with --root."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

# feeddtest is in tests/daemon/ (PYTHONPATH, set by meson).
from feeddtest import check, done

MAX_EXPOSURE = 1.1
BUILD = os.environ.get("TESTS_BUILD_ROOT", os.getcwd())


def run(*args, env=None):
    return subprocess.run(args, capture_output=True, text=True, env=env,
                          timeout=120)


def installed_map():
    """{source basename or build path: destination} for the install."""
    r = run("meson", "introspect", BUILD, "--installed")
    if r.returncode != 0:
        raise SystemExit(f"meson introspect failed: {r.stderr}")
    return json.loads(r.stdout)


def find(installed, suffix, dest_part):
    for src, dst in installed.items():
        if src.endswith(suffix) and dest_part in dst:
            return dst
    return None


def prepare_root(root):
    """What verify needs besides our files: the host's own unit files
    (sysinit.target and friends) and /bin/kill for ExecReload=."""
    for sub in ("usr/lib/systemd/system", "usr/lib/systemd/user"):
        src = os.path.join("/", sub)
        dst = os.path.join(root, sub)
        os.makedirs(dst, exist_ok=True)
        for name in os.listdir(src):
            if not os.path.lexists(os.path.join(dst, name)):
                p = os.path.join(src, name)
                if os.path.islink(p):
                    os.symlink(os.readlink(p), os.path.join(dst, name))
                elif os.path.isfile(p):
                    shutil.copy2(p, dst)
    os.makedirs(os.path.join(root, "usr/bin"), exist_ok=True)
    for prog in ("kill",):
        dst = os.path.join(root, "usr/bin", prog)
        if not os.path.exists(dst):
            shutil.copy2(shutil.which(prog) or f"/usr/bin/{prog}", dst)
    for link in ("bin", "lib", "sbin"):
        if not os.path.lexists(os.path.join(root, link)):
            os.symlink(f"usr/{link}", os.path.join(root, link))


def unit_value(path, key):
    with open(path) as f:
        for line in f:
            if line.startswith(key + "="):
                return line.split("=", 1)[1].strip()
    return None


def unit_comments(path):
    with open(path) as f:
        return "\n".join(line for line in f if line.startswith("#"))


def check_paths(root, inst, service, user_service):
    feedd = find(inst, "/feedd", "/bin/")
    check(feedd is not None, "meson installs feedd", inst)
    start = (unit_value(root + service, "ExecStart") or "").split()
    check(start[:1] == [feedd],
          "ExecStart= runs the feedd meson installs", f"{start} vs {feedd}")
    # The configuration comes from an install script (never overwritten,
    # see tests/daemon/test_install.py), so introspection does not list it.
    conf = start[2] if len(start) == 3 and start[1] == "-c" else None
    check(conf is not None and conf.endswith("/feedd/feedd.conf") and
          os.path.isfile(root + conf),
          "feedd.service reads the configuration meson installs",
          f"{start}")
    ustart = unit_value(root + user_service, "ExecStart")
    check(ustart == feedd, "the user unit runs the same feedd", ustart)
    for what, u in (("system", service), ("user", user_service)):
        left = re.findall(r"@[a-z_]+@", open(root + u).read())
        check(not left, f"{what} unit: every @placeholder@ substituted",
              left)


def man_args(root, inst):
    """Documentation=man: pages are checked against the installed ones
    (man with MANPATH in the scratch root); without man or pages, not."""
    pages = [d for d in inst.values() if re.search(r"/man[158]/feedd", d)]
    if not pages or shutil.which("man") is None:
        print("# no manual pages installed (or no man): verify --man=no")
        return ["--man=no"], dict(os.environ)
    mandir = os.path.dirname(os.path.dirname(root + pages[0]))
    return [], dict(os.environ, MANPATH=mandir)


def verify(root, units, man):
    args, env = man
    r = run("systemd-analyze", "verify", *args, f"--root={root}",
            *[root + u for u in units], env=env)
    out = (r.stdout + r.stderr).strip()
    check(r.returncode == 0 and out == "",
          "systemd-analyze verify: system units clean, no output at all",
          out or f"exit {r.returncode}")


def verify_user(root, user_service, tmp, man):
    """verify --user takes no --root: check a copy whose binary path is
    moved into the scratch root, under a runtime dir of our own."""
    d = os.path.join(tmp, "user")
    os.makedirs(os.path.join(tmp, "xdg-runtime"), mode=0o700, exist_ok=True)
    os.makedirs(d, exist_ok=True)
    text = open(root + user_service).read()
    feedd = unit_value(root + user_service, "ExecStart")
    text = text.replace(f"ExecStart={feedd}", f"ExecStart={root}{feedd}")
    with open(os.path.join(d, "feedd.service"), "w") as f:
        f.write(text)
    args, env = man
    env = dict(env, XDG_RUNTIME_DIR=os.path.join(tmp, "xdg-runtime"),
               HOME=tmp)
    r = run("systemd-analyze", "--user", "verify", *args,
            os.path.join(d, "feedd.service"), env=env)
    out = (r.stdout + r.stderr).strip()
    check(r.returncode == 0 and out == "",
          "systemd-analyze --user verify: user unit clean, no output",
          out or f"exit {r.returncode}")


def security(root, service):
    path = root + service
    r = run("systemd-analyze", "security", "--offline=true",
            "--no-pager", path)
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", r.stdout)
    check(m is not None, "systemd-analyze security gives a score",
          r.stdout + r.stderr)
    if m is None:
        return
    score = float(m.group(1))
    print(f"# exposure of feedd.service: {score}")
    check(score <= MAX_EXPOSURE,
          f"exposure {score} <= {MAX_EXPOSURE}", r.stdout)
    r2 = run("systemd-analyze", "security", "--offline=true",
             f"--threshold={int(MAX_EXPOSURE * 10)}", "--no-pager", path)
    check(r2.returncode == 0, "and --threshold agrees")
    # Every exposure left (a ✗ line) is named in a comment of the unit.
    comments = unit_comments(path)
    missing = []
    for line in r.stdout.splitlines():
        line = line.strip()
        if not line.startswith("✗"):
            continue
        setting = line[1:].split()[0]
        keys = re.findall(r"([A-Za-z]+)=", setting)
        if not any(k + "=" in comments for k in keys):
            missing.append(setting)
    check(not missing, "every remaining exposure is explained in the unit",
          "unexplained: " + ", ".join(missing))


def sysusers_tmpfiles(root, sysusers, tmpfiles, tmp):
    if os.geteuid() != 0:
        print("# sysusers/tmpfiles offline checks need root; skipped")
        return
    os.makedirs(f"{tmp}/offline/etc")
    r = run("systemd-sysusers", f"--root={tmp}/offline", root + sysusers)
    check(r.returncode == 0, "systemd-sysusers --root applies feedd.sysusers",
          r.stdout + r.stderr)
    users = {}
    try:
        with open(f"{tmp}/offline/etc/passwd") as f:
            for line in f:
                p = line.rstrip("\n").split(":")
                users[p[0]] = p
    except OSError as e:
        users = {}
        check(False, "sysusers wrote /etc/passwd", e)
    u = users.get("feedd")
    check(u is not None, "user feedd exists in the offline root", users)
    if u is None:
        return
    check(u[5] == "/var/lib/feedd", "its home is the state directory", u)
    check(u[6].endswith("nologin"), "it has no login shell", u)
    with open(f"{tmp}/offline/etc/group") as f:
        groups = [line.split(":")[0] for line in f]
    check("feedd" in groups, "group feedd exists (it owns the socket)")
    r = run("systemd-tmpfiles", f"--root={tmp}/offline", "--create",
            root + tmpfiles)
    check(r.returncode == 0 and (r.stdout + r.stderr).strip() == "",
          "systemd-tmpfiles --root --create applies feedd.tmpfiles cleanly",
          r.stdout + r.stderr)
    st = os.stat(f"{tmp}/offline/var/lib/feedd")
    check(oct(st.st_mode & 0o7777) == "0o750" and st.st_uid == int(u[2]),
          "/var/lib/feedd: mode 0750, owned by feedd",
          f"{oct(st.st_mode)} uid {st.st_uid}")


def main():
    if shutil.which("systemd-analyze") is None:
        print("1..0 # SKIP systemd-analyze not installed")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="feedd-sd-units-")
    try:
        root = os.path.join(tmp, "root")
        r = run("meson", "install", "-C", BUILD, "--no-rebuild",
                "--destdir", root)
        if not check(r.returncode == 0, "meson install --destdir",
                     r.stdout[-2000:] + r.stderr):
            done()
        inst = installed_map()
        service = find(inst, "/feedd.service", "/system/")
        socket_unit = find(inst, "/feedd.socket", "/system/")
        user_service = find(inst, "/user-feedd.service", "/user/")
        sysusers = find(inst, "feedd.sysusers", "sysusers.d")
        tmpfiles = find(inst, "feedd.tmpfiles", "tmpfiles.d")
        check(None not in (service, socket_unit, user_service, sysusers,
                           tmpfiles),
              "units, sysusers and tmpfiles snippets are installed",
              json.dumps(inst, indent=1))
        if None in (service, socket_unit, user_service):
            done()
        check(user_service.endswith("/feedd.service"),
              "the user unit is installed as feedd.service", user_service)
        check(unit_value(root + socket_unit, "ListenStream") ==
              "/run/feedd/feedd.sock" and
              unit_value(root + socket_unit, "FileDescriptorName") == "api",
              "feedd.socket: /run/feedd/feedd.sock, named api")
        prepare_root(root)
        check_paths(root, inst, service, user_service)
        man = man_args(root, inst)
        verify(root, [service, socket_unit], man)
        verify_user(root, user_service, tmp, man)
        security(root, service)
        if sysusers and tmpfiles:
            sysusers_tmpfiles(root, sysusers, tmpfiles, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    done()


if __name__ == "__main__":
    main()
