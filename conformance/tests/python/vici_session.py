"""Drives a VICI daemon with the `vici` package from PyPI (strongSwan's own
Python binding): loads a secret and a connection, initiates the child,
lists and terminates, and prints one `key: value` line per check for the
Rust test to assert. Usage: vici_session.py <socket> <swanctl-like args>"""

import socket
import sys

import vici


def session(path):
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(path)
    return vici.Session(sock)


def main():
    path = sys.argv[1]
    s = session(path)
    out = {}
    out["daemon"] = s.version()["daemon"].decode()
    out["ikesas"] = s.stats()["ikesas"]["total"].decode()
    s.load_shared({
        "id": "ike-py", "type": "IKE", "data": "lab-preshared-key-0123456789",
        "owners": ["a.lab.test", "b.lab.test"],
    })
    out["shared"] = ",".join(k.decode() for k in s.get_shared()["keys"])
    conn = {"gw": {
        "version": "2",
        "local_addrs": ["192.0.2.1"], "remote_addrs": ["192.0.2.2"],
        "proposals": ["aes128-sha256-x25519"],
        "local": {"auth": "psk", "id": "a.lab.test"},
        "remote": {"auth": "psk", "id": "b.lab.test"},
        "children": {"net": {
            "local_ts": ["10.1.0.0/24"], "remote_ts": ["10.2.0.0/24"],
            "esp_proposals": ["aes128gcm16-x25519"],
        }},
    }}
    s.load_conn(conn)
    out["conns"] = ",".join(c.decode() for c in s.get_conns()["conns"])
    listed = list(s.list_conns())
    out["conn-children"] = ",".join(listed[0]["gw"]["children"].keys())
    try:
        list(s.initiate({"child": "nope", "timeout": 2000}))
        out["unknown-child"] = "initiated?"
    except vici.exception.CommandException as e:
        out["unknown-child"] = str(e)
    logs = [f'[{m["group"].decode()}] {m["msg"].decode()}'
            for m in s.initiate({"child": "net", "timeout": 10000})]
    out["initiate-log"] = " | ".join(logs)
    sas = list(s.list_sas())
    gw = sas[0]["gw"]
    out["ike-state"] = gw["state"].decode()
    out["remote-id"] = gw["remote-id"].decode()
    child = next(iter(gw["child-sas"].values()))
    out["child-state"] = child["state"].decode()
    out["child-ts"] = child["local-ts"][0].decode() + "===" + child["remote-ts"][0].decode()
    terminated = 0
    for _ in s.terminate({"ike": "gw", "timeout": 10000}):
        pass
    terminated = len(list(s.list_sas()))
    out["left"] = str(terminated)
    try:
        s.request("bogus-command")
        out["bogus"] = "answered"
    except vici.exception.SessionException as e:
        out["bogus"] = type(e).__name__
    for key, value in out.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
