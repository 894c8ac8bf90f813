"""The commands about the registry link: run the reference registry (`registry init|seed|serve`), enrol this kiosk
with the registry's CA, verify a seal offline, sync the outbox and show it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.config import Config

VERIFY_EXIT = {"valid": 0, "invalid": 3, "expired": 4, "unknown_key": 5}


def register(sub: Any) -> None:
    reg = sub.add_parser("registry", help="run the reference registry service (init, seed, serve, revoke)")
    reg_sub = reg.add_subparsers(dest="registry_command", required=True, metavar="ACTION")
    init = reg_sub.add_parser("init", help="create the registry's CA, TLS certificate, seal key and database")
    seed = reg_sub.add_parser("seed", help="fill the database with the synthetic population, offices and slots")
    serve = reg_sub.add_parser("serve", help="serve the kiosk API (mutual TLS) and the public verify page")
    revoke = reg_sub.add_parser("revoke", help="revoke a kiosk's certificates (refused from its next request)")
    revoke.add_argument("kiosk_id")
    officer_add = reg_sub.add_parser("officer-add", help="provision an officer (PIN read from stdin; operators only)")
    officer_add.add_argument("officer_id")
    officer_add.add_argument("--name", required=True)
    officer_add.add_argument("--unit", required=True)
    seal_revoke = reg_sub.add_parser("revoke-seal-key", help="revoke a compromised seal key in the trust list")
    seal_revoke.add_argument("kid", help="the key's kid in hex (16 digits)")
    officer_reset = reg_sub.add_parser("officer-reset", help="lift an officer's PIN lockout")
    officer_reset.add_argument("officer_id")
    for p in (init, seed, serve, revoke, officer_add, officer_reset, seal_revoke):
        p.add_argument("--home", type=Path, default=Path("var/registry"), help="registry folder (var/registry)")
        p.add_argument("--database", help="sqlite:///FILE or postgresql://... (default: HOME/registry.sqlite3)")
    init.add_argument("--alg", choices=("ES256", "EdDSA"), default="ES256", help="seal signature algorithm")
    init.add_argument("--host", action="append", help="a name or IP for the TLS certificate (repeatable)")
    seed.add_argument("--extra", type=int, default=200, help="generated citizens besides the simulator's")
    seed.add_argument("--days", type=int, default=20, help="days of service slots from tomorrow")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8443, help="kiosk API port (mutual TLS)")
    serve.add_argument("--verify-port", type=int, default=8444, help="public verify page port (server TLS only)")
    serve.add_argument(
        "--template-fetch-limit", type=int, default=30, help="finger-template fetches per kiosk and window (30)"
    )
    serve.add_argument("--template-fetch-window-s", type=int, default=60, help="the rate limit's window (60 s)")
    reg.set_defaults(func=cmd_registry)

    enrol = sub.add_parser("enrol-device", help="get this kiosk a client certificate from the registry's CA")
    enrol.add_argument("--registry-home", type=Path, required=True, help="the registry folder holding its CA")
    enrol.add_argument("--kiosk-id", help="certificate name (default: [kiosk] id)")
    enrol.add_argument("--database", help="the registry's database (default: REGISTRY_HOME/registry.sqlite3)")
    enrol.set_defaults(func=cmd_enrol_device)

    verify = sub.add_parser("verify", help="verify a seal offline: QR text, or a photo/scan of the paper")
    verify.add_argument("seal", help="the QR text (TH1:...) or an image file")
    verify.add_argument("--trust-list", type=Path, help="trust list JSON (default: [registry] trust_list)")
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.set_defaults(func=cmd_verify)

    sync = sub.add_parser("sync", help="send the outbox to the registry now and refresh the offline cache")
    sync.add_argument("--ignore-backoff", action="store_true", help="try now even while backing off")
    sync.set_defaults(func=cmd_sync)

    outbox = sub.add_parser("outbox", help="show the outbox (citizen IDs masked)")
    outbox.add_argument("--state", choices=("queued", "sent", "acknowledged", "failed"))
    outbox.add_argument("--limit", type=int, default=50)
    outbox.set_defaults(func=cmd_outbox)

    activate = sub.add_parser("activate", help="redeem an activation QR as the phone app does (ThaiD simulation)")
    activate.add_argument("qr", help="THAID:KIT:... (a field kit's offline token) or THAID:ACT:XXXX-XXXX")
    activate.add_argument("--citizen-id", help="whose code (THAID:ACT: codes only)")
    activate.set_defaults(func=cmd_activate)

    audit = sub.add_parser("audit", help="check the audit log's hash chain and signatures; show the last entries")
    audit.add_argument("--last", type=int, default=20)
    audit.add_argument("--offline", action="store_true", help="do not compare with the registry's anchor")
    audit.set_defaults(func=cmd_audit)


def cmd_registry(args: argparse.Namespace, cfg: Config) -> int:
    from kiosk.registry.db import open_database
    from kiosk.registry.home import RegistryHome

    home = RegistryHome(args.home)
    database = args.database or home.default_database
    if args.registry_command == "init":
        created = home.init(tuple(args.host or ("127.0.0.1", "localhost")), alg=args.alg)
        open_database(database).close()
        print(f"registry at {home.root}: created {', '.join(created) or 'nothing (all present)'}; database ready")
        return 0
    if args.registry_command == "revoke":
        from kiosk.registry.service import Registry

        serials = home.revoke(args.kiosk_id)
        db = open_database(database)
        try:
            registry = Registry(db, home.signer())
            registry.revoke_certificates([r for r in home.revocations() if r[0] in serials])
            withdrawn = registry.withdraw_kit_keys(args.kiosk_id)
        finally:
            db.close()
        print(
            f"revoked {len(serials)} certificate(s) of {args.kiosk_id}: {', '.join(f'{s:x}' for s in serials) or '-'};"
            f" withdrew {withdrawn} kit key(s)"
        )
        return 0 if serials or withdrawn else 1
    if args.registry_command == "revoke-seal-key":
        if not home.revoke_seal_key(args.kid.lower()):
            print(f"no unrevoked seal key {args.kid} in {home.trust_list}", file=sys.stderr)
            return 1
        print(f"seal key {args.kid} revoked in {home.trust_list}: restart serve to publish it")
        return 0
    if args.registry_command in ("officer-add", "officer-reset"):
        return _officer_command(args, home, database)
    if args.registry_command == "seed":
        from kiosk.registry.population import seed

        db = open_database(database)
        try:
            counts = seed(db, datetime.now(UTC).date(), extra=args.extra, days=args.days)
        finally:
            db.close()
        print(f"seeded {counts['citizens']} citizens, {counts['offices']} offices, {counts['slots']} new slots")
        return 0
    from kiosk.registry.server import RegistryServer

    server = RegistryServer(
        home,
        database,
        host=args.host,
        api_port=args.port,
        verify_port=args.verify_port,
        template_fetch_limit=args.template_fetch_limit,
        template_fetch_window_s=args.template_fetch_window_s,
    )
    print(
        f"kiosk API https://{args.host}:{args.port} (mutual TLS); verify page https://{args.host}:{args.verify_port}/verify"
    )
    server.run()
    return 0


def _officer_command(args: argparse.Namespace, home: Any, database: str) -> int:
    """Officers are provisioned and reset by the registry's operators on the registry host, never through the
    kiosk API. The PIN comes from stdin (a terminal prompts without echo), never from the command line."""
    import getpass

    from kiosk.registry.db import open_database
    from kiosk.registry.service import Registry
    from kiosk.registry.validate import ApiError

    db = open_database(database)
    try:
        registry = Registry(db, home.signer())
        if args.registry_command == "officer-reset":
            if not registry.reset_officer(args.officer_id):
                print(f"no officer {args.officer_id}", file=sys.stderr)
                return 1
            print(f"officer {args.officer_id}: lockout cleared")
            return 0
        pin = getpass.getpass("PIN: ") if sys.stdin.isatty() else sys.stdin.readline().strip()
        try:
            registry.provision_officer(args.officer_id, args.name, args.unit, pin)
        except ApiError as e:
            print(f"kiosk registry officer-add: {e.message}", file=sys.stderr)
            return 1
        print(f"officer {args.officer_id} ({args.unit}) provisioned")
        return 0
    finally:
        db.close()


def cmd_enrol_device(args: argparse.Namespace, cfg: Config) -> int:
    """Certificate and kit key together: the registry knows the key that signs this kiosk's offline activation
    tokens from the moment it is certified, so a kit taken into the field before its first sync already works."""
    from kiosk.registry.db import open_database
    from kiosk.registry.home import RegistryHome
    from kiosk.registry.service import Registry
    from kiosk.store import kit_public_key, load_or_create

    kiosk_id = args.kiosk_id or cfg.kiosk.id
    r = cfg.registry
    home = RegistryHome(args.registry_home)
    keys = load_or_create(cfg.kiosk.data_dir / "keys")  # made here, once; enrolling again keeps them
    cert = home.enrol_kiosk(kiosk_id, r.client_cert, r.client_key, r.ca_cert)
    kit_key = kit_public_key(keys.audit_key)
    db = open_database(args.database or home.default_database)
    try:
        key_id = Registry(db, home.signer()).enrol_kit_key(kiosk_id, kit_key, cert.serial_number)
    finally:
        db.close()
    print(
        f"kiosk {kiosk_id}: certificate {r.client_cert} "
        f"(serial {cert.serial_number:x}, valid until {cert.not_valid_after_utc:%Y-%m-%d}); kit key {key_id} registered"
    )
    return 0


def cmd_verify(args: argparse.Namespace, cfg: Config) -> int:
    from kiosk import seal
    from kiosk.registry.verify_page import check_json
    from kiosk.seal.qr import QrReadError, read_seal_text

    text: str = args.seal.strip()  # a pasted seal's line ending is not part of the QR
    if not text.startswith(seal.PREFIX) and not Path(text).is_file():
        print(f"invalid: not a kiosk seal (a seal's text begins with {seal.PREFIX}) and not an image file")
        return VERIFY_EXIT["invalid"]
    if not text.startswith(seal.PREFIX):
        try:
            text = read_seal_text(Path(text))
        except QrReadError as e:
            print(f"kiosk verify: {e}", file=sys.stderr)
            return 2
    trust = _trust_list(args.trust_list or cfg.registry.trust_list, cfg)
    check = seal.verify(text, trust, datetime.now(UTC))
    if args.json:
        print(json.dumps(check_json(check), ensure_ascii=False, indent=2))
    else:
        print(f"{check.status}: {check.reason}")
        if check.document is not None:
            d = check.document
            print(f"  {d.doc_type} {d.doc_no}  citizen {d.citizen_id}  issued {d.issued_at:%Y-%m-%d %H:%M} UTC")
            print(f"  valid until {d.expires_at:%Y-%m-%d %H:%M} UTC, issuer {d.issuer}")
            for key, value in sorted(d.fields.items()):
                print(f"  {key}: {value}")
    return VERIFY_EXIT[check.status]


def _trust_list(path: Path, cfg: Config) -> Any:
    from kiosk.seal import TrustList
    from kiosk.store import Cache, open_store

    if path.exists():
        return TrustList.load(path)
    if cfg.store.path.exists():
        cached = Cache(open_store(cfg.store.path)).trust_list()
        if cached is not None:
            return cached
    return TrustList()


def cmd_sync(args: argparse.Namespace, cfg: Config) -> int:
    from kiosk.app import open_registry_client
    from kiosk.registry_client import RegistryError
    from kiosk.store import Backoff, Cache, Outbox, Syncer, client_sender, open_store, queue_kit_key
    from kiosk.store.last_sync import note_sync
    from kiosk.store.sync import anchor_audit_head

    keys = _keys(cfg, "sync")
    if keys is None:
        return 1
    conn = open_store(cfg.store.path)
    r = cfg.registry
    try:
        client = open_registry_client(cfg)
    except RegistryError as e:
        print(f"kiosk sync: {e} (run kiosk enrol-device)", file=sys.stderr)
        return 1
    with client:
        outbox = Outbox(conn, keys.data_key)
        queue_kit_key(outbox, keys.audit_key, time.time())  # once: lets the registry check this kit's offline QRs
        syncer = Syncer(outbox, client_sender(client), Backoff(max_s=cfg.store.max_backoff_s))
        if args.ignore_backoff:
            syncer.link_restored()
        report = syncer.sync(time.time(), clock=time.time)
        print(f"acknowledged {len(report.acknowledged)}, failed {len(report.failed)}, still pending {report.remaining}")
        for op in report.failed:
            print(f"  failed #{op.seq} {op.kind}: {op.reason}")
        if report.error:
            retry = datetime.fromtimestamp(report.next_attempt_at, UTC)
            print(f"  stopped: {report.error}; next attempt at {retry:%H:%M:%S} UTC")
            return 1
        anchored = anchor_audit_head(client, conn)
        if anchored:
            print(f"  audit: {anchored}")
        if note_sync(client, outbox, keys.data_key, time.time()):
            print("  synced: a field kit enrols for [store] max_offline_hours from now")
        try:
            cache = Cache(conn)
            trust = client.trust_list(cache.trust_list())  # signed, and never older than the one held
            cache.put_trust_list(trust, time.time())
            trust.save(r.trust_list)
            cache.put_offices(client.offices(), time.time())
        except RegistryError as e:
            print(f"  cache not refreshed: {e}")
    return 0


def _keys(cfg: Config, command: str) -> Any:
    """The kiosk's keys, or None after saying clearly that they are missing (nothing is created or written)."""
    from kiosk.store import MissingKeysError, load_keys

    try:
        return load_keys(cfg.kiosk.data_dir / "keys")
    except MissingKeysError as e:
        print(f"kiosk {command}: {e}", file=sys.stderr)
        return None


def _anchor_verdict(cfg: Config, conn: Any, keys: Any) -> tuple[bool, str]:
    """(ok, what to print) from comparing the log with the head the registry holds; offline is not a failure."""
    from kiosk.app import open_registry_client
    from kiosk.registry import kit_tokens
    from kiosk.registry_client import RegistryError
    from kiosk.store import check_anchor, kit_public_key

    try:
        with open_registry_client(cfg) as client:
            anchor = client.audit_anchor()
    except RegistryError as e:
        return True, f"anchor not checked (registry unreachable: {e})"
    if anchor is None:
        return True, "no anchor at the registry yet (kiosk sync sends it)"
    problem = check_anchor(conn, kit_tokens.key_id(kit_public_key(keys.audit_key)), anchor)
    if problem:
        return False, f"audit log does NOT match the registry's anchor: {problem}"
    return True, f"matches the registry's anchor (entry #{anchor['seq']})"


def mask(value: Any) -> Any:
    """Citizen IDs shown as 1-xxxx-xxxxx-xx-3: enough to tell entries apart, not enough to identify anyone."""
    if isinstance(value, str) and len(value) == 13 and value.isdigit():
        return f"{value[0]}-xxxx-xxxxx-xx-{value[12]}"
    if isinstance(value, dict):
        secret = ("pin", "passcode", "finger_template", "officer_proof")  # a proof would let a PIN be guessed offline
        return {k: "***" if k in secret else mask(v) for k, v in value.items()}
    return value


def cmd_outbox(args: argparse.Namespace, cfg: Config) -> int:
    from kiosk.store import Outbox, open_store

    keys = _keys(cfg, "outbox")
    if keys is None:
        return 1
    outbox = Outbox(open_store(cfg.store.path), keys.data_key)
    print("  ".join(f"{state}: {n}" for state, n in outbox.counts().items()))
    for op in outbox.list(args.state, args.limit):
        created = datetime.fromtimestamp(op.created_at, UTC).strftime("%Y-%m-%d %H:%M:%S")
        line = f"#{op.seq} {created} {op.kind:<14} {op.state:<12} tries={op.attempts} {json.dumps(mask(op.payload))}"
        print(line + (f"  reason={op.reason}" if op.reason else ""))
    return 0


def cmd_activate(args: argparse.Namespace, cfg: Config) -> int:
    """What the phone app does with the QR: 0 activated (or pending until the kit syncs), 3 refused, 1 no link."""
    from kiosk.app import open_registry_client
    from kiosk.registry_client import RegistryError, RegistryRejected, RegistryUnavailable

    qr: str = args.qr
    if not qr.startswith(("THAID:KIT:", "THAID:ACT:")) or (qr.startswith("THAID:ACT:") and not args.citizen_id):
        print("kiosk activate: give a THAID:KIT: token, or a THAID:ACT: code with --citizen-id", file=sys.stderr)
        return 2
    try:
        client = open_registry_client(cfg)
    except RegistryError as e:
        print(f"registry unavailable: {e}")
        return 1
    with client:
        try:
            if qr.startswith("THAID:KIT:"):
                answer = client.redeem_kit_token(qr)
            else:
                answer = client.activate(args.citizen_id, qr.removeprefix("THAID:ACT:"))
        except RegistryRejected as e:
            print(f"refused: {e.code}")
            return 3
        except RegistryUnavailable as e:
            print(f"registry unavailable: {e}")
            return 1
    print("pending: activates when the kit syncs its enrolment" if answer.get("pending") else "activated")
    return 0


def cmd_audit(args: argparse.Namespace, cfg: Config) -> int:
    from kiosk.store import AuditLog, open_store, verify_chain

    keys = _keys(cfg, "audit")
    if keys is None:
        return 1
    conn = open_store(cfg.store.path)
    check = verify_chain(conn, keys.audit_key.public_key())
    if check.ok:
        print(f"audit log intact: {check.entries} entries, chain and signatures verified")
    else:
        print(f"audit log BROKEN at entry {check.first_bad_seq}: {check.reason}")
    anchored = True
    if not args.offline:
        anchored, verdict = _anchor_verdict(cfg, conn, keys)
        print(verdict)
    entries = AuditLog(conn, keys.audit_key, keys.subject_key).entries()
    for e in entries[-args.last :] if args.last > 0 else []:
        when = datetime.fromtimestamp(e.at, UTC).strftime("%Y-%m-%d %H:%M:%S")
        subject = f" citizen#{e.subject[:8]}" if e.subject else ""
        print(f"#{e.seq} {when} {e.kind}{subject} {json.dumps(e.detail, ensure_ascii=False)}")
    return 0 if check.ok and anchored else 1
