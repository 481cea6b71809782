#!/usr/bin/env python3
"""A conformance adapter written in Python: an independent implementation of Session onion
requests and storage primitives, driven by allium's conformance runner.

    npm run conformance -- --impl "python3 conformance/adapters/python/allium_adapter.py"

It speaks the adapter protocol of conformance/README.md: one JSON object per line on stdin (a
request: id, op, args) and one JSON object per line on stdout (the answer: result, error or
unsupported). Byte strings travel as lower-case hex.

It is meant as a readable example for implementers, so it uses nothing from the allium
repository: only the standard library, PyNaCl (X25519, XChaCha20-Poly1305, Ed25519; Debian
package python3-nacl) and pyca/cryptography (AES-GCM; python3-cryptography).

Implemented: hop key derivation, encryption and decryption (both ciphers), layer framing, onion
building, replies (service node, v3 and v4 servers), swarm mapping, message hashes and storage
signatures. Not implemented: onion.peel (a node's strict parsing of received layers, with its
error classes); the runner reports those tests as unsupported.
"""

import base64
import hashlib
import hmac
import json
import os
import sys

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
    crypto_scalarmult,
    crypto_scalarmult_base,
)
from nacl.exceptions import BadSignatureError, CryptoError
from nacl.signing import VerifyKey

PROTOCOL = "allium-conformance/1"
NAME = "allium-python-example"
VERSION = "1"

# --- Specification constants (shared/spec/onion-requests.md, swarms-and-storage.md) -------------

AES_GCM_KDF_KEY = b"LOKI"  # aes-gcm key = HMAC-SHA256(key="LOKI", msg=S)   (onion-requests.md §2)
NONCE_BYTES = {"aes-gcm": 12, "xchacha20": 24}
TAG_BYTES = 16
KEY_BYTES = 32
LENGTH_PREFIX_BYTES = 4  # u32 little-endian blob length                   (onion-requests.md §1)
ACCOUNT_ID_BYTES = 33  # prefix byte + 32-byte key                       (swarms-and-storage.md §1.1)
SWARM_RING = 1 << 64  # swarm space is the ring of u64 integers          (swarms-and-storage.md §2.2)
NAMESPACE_MIN, NAMESPACE_MAX = -32768, 32767  # signed 16-bit                (swarms-and-storage.md §9)
SIGNATURE_BYTES = 64
MESSAGE_HASH_CHARS = 43  # unpadded base64 of 32 bytes                     (swarms-and-storage.md §8)


class Refused(Exception):
    """Invalid input: answered as {"error": {"class": ..., "message": ...}}."""

    def __init__(self, error_class, message):
        super().__init__(message)
        self.error_class = error_class


def is_int(value):
    """A JSON integer (Python's bool is an int, JSON's true is not)."""
    return isinstance(value, int) and not isinstance(value, bool)


# --- One onion layer (onion-requests.md §2) ------------------------------------------------------


def shared_secret(our_secret, their_public):
    """X25519, refusing the all-zero result of a low-order public key (hardening.md §2)."""
    try:
        shared = crypto_scalarmult(our_secret, their_public)
    except RuntimeError:  # libsodium refuses a result of all zeros
        raise Refused("KEY_AGREEMENT_FAILED", "low-order public key")
    if shared == bytes(KEY_BYTES):
        raise Refused("KEY_AGREEMENT_FAILED", "low-order public key")
    return shared


def hop_key(enc_type, role, our_secret, our_public, their_public):
    """The layer key. xchacha20 hashes S ‖ client_pub ‖ server_pub: the order is by role, not by
    direction (the client is always the onion builder, whose key is the ephemeral one)."""
    shared = shared_secret(our_secret, their_public)
    if enc_type == "aes-gcm":
        return shared, hmac.new(AES_GCM_KDF_KEY, shared, hashlib.sha256).digest()
    if enc_type == "xchacha20":
        client, server = (our_public, their_public) if role == "client" else (their_public, our_public)
        return shared, hashlib.blake2b(shared + client + server, digest_size=KEY_BYTES).digest()
    raise Refused("ONION_ENC_TYPE", f"unknown enc_type {enc_type!r}")


def seal(enc_type, key, nonce, plaintext):
    """nonce ‖ ciphertext ‖ tag, no associated data."""
    if len(nonce) != NONCE_BYTES[enc_type]:
        raise Refused("BAD_NONCE", f"{enc_type} needs a {NONCE_BYTES[enc_type]}-byte nonce")
    if enc_type == "aes-gcm":
        return nonce + AESGCM(key).encrypt(nonce, plaintext, None)
    return nonce + crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, None, nonce, key)


def open_sealed(enc_type, key, blob):
    """Inverse of seal; any failure (short blob, bad tag) is ONION_AUTH_FAILED."""
    n = NONCE_BYTES[enc_type]
    if len(blob) < n + TAG_BYTES:
        raise Refused("ONION_AUTH_FAILED", "blob shorter than nonce + tag")
    nonce, sealed = blob[:n], blob[n:]
    try:
        if enc_type == "aes-gcm":
            return AESGCM(key).decrypt(nonce, sealed, None)
        return crypto_aead_xchacha20poly1305_ietf_decrypt(sealed, None, nonce, key)
    except (InvalidTag, CryptoError):
        raise Refused("ONION_AUTH_FAILED", "authentication failed")


# --- Layer framing (onion-requests.md §1) --------------------------------------------------------


def frame(blob, trailer):
    """u32le(len(blob)) ‖ blob ‖ trailer."""
    return len(blob).to_bytes(LENGTH_PREFIX_BYTES, "little") + blob + trailer


def unframe(body):
    if len(body) < LENGTH_PREFIX_BYTES:
        raise Refused("ONION_FRAMING", "shorter than the length prefix")
    n = int.from_bytes(body[:LENGTH_PREFIX_BYTES], "little")
    if n > len(body) - LENGTH_PREFIX_BYTES:
        raise Refused("ONION_FRAMING", "length prefix runs past the end")
    end = LENGTH_PREFIX_BYTES + n
    return body[LENGTH_PREFIX_BYTES:end], body[end:]


def compact_json(value):
    """Compact JSON with sorted keys, as libsession writes routing JSON."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()


# --- Building an onion (onion-requests.md §9) ----------------------------------------------------


class Randomness:
    """The runner's fixed randomness (per layer, innermost first: ephemeral secret, then nonce),
    or the OS's when the runner gives none."""

    def __init__(self, chunks):
        self.chunks = [bytes.fromhex(c) for c in chunks] if chunks is not None else None

    def take(self, n):
        if self.chunks is None:
            return os.urandom(n)
        if not self.chunks or len(self.chunks[0]) != n:
            raise Refused("BAD_RANDOMNESS", f"no {n}-byte chunk left")
        return self.chunks.pop(0)


def build_onion(path, destination, enc_types, hop_no, payload, rng):
    def layer_to(enc_type, recipient_x25519, plaintext):
        secret = rng.take(KEY_BYTES)
        ephemeral = crypto_scalarmult_base(secret)
        _, key = hop_key(enc_type, "client", secret, ephemeral, recipient_x25519)
        return seal(enc_type, key, rng.take(NONCE_BYTES[enc_type]), plaintext), ephemeral.hex()

    # 1. The destination's layer, and the routing JSON that reaches it.
    last = enc_types[-1]
    dest_x = bytes.fromhex(destination["x25519"])
    if destination["kind"] == "node":
        blob, ek = layer_to(last, dest_x, frame(payload, b'{"headers":""}'))
        route = {"destination": destination["ed25519"].lower(), "ephemeral_key": ek, "enc_type": last}
    else:
        blob, ek = layer_to(last, dest_x, payload)
        route = {key: destination[key] for key in ("host", "target", "method", "protocol", "port")}
        route.update(ephemeral_key=ek, enc_type=last)
    # 2. Wrap it for each path node, exit first.
    for i in range(len(path) - 1, -1, -1):
        if i < len(path) - 1:
            route = {"destination": path[i + 1]["ed25519"].lower(), "ephemeral_key": ek, "enc_type": enc_types[i + 1]}
        blob, ek = layer_to(enc_types[i], bytes.fromhex(path[i]["x25519"]), frame(blob, compact_json(route)))
    # 3. The guard's trailer.
    outer = {"ephemeral_key": ek, "enc_type": enc_types[0]}
    if hop_no is not None:
        outer["hop_no"] = hop_no
    return frame(blob, compact_json(outer))


# --- Replies (onion-requests.md §6, §7, §9) ------------------------------------------------------


def bdecode_byte_strings(data):
    """A bencoded list of byte strings, `l<len>:<bytes>…e`; anything else is refused."""
    if not data.startswith(b"l") or not data.endswith(b"e"):
        raise Refused("REPLY_INVALID", "v4 reply is not a bencoded list")
    parts, i = [], 1
    while i < len(data) - 1:
        colon = data.find(b":", i)
        digits = data[i:colon] if colon > 0 else b""
        if not digits.isdigit() or (len(digits) > 1 and digits.startswith(b"0")):
            raise Refused("REPLY_INVALID", "v4 reply holds something other than byte strings")
        start, end = colon + 1, colon + 1 + int(digits)
        if end > len(data) - 1:
            raise Refused("REPLY_INVALID", "v4 byte string runs past the end")
        parts.append(data[start:end])
        i = end
    return parts


def read_reply(fmt, plaintext):
    """What the client reads from a decrypted reply: status, headers, body."""
    if fmt == "v4":
        parts = bdecode_byte_strings(plaintext)
        if not 1 <= len(parts) <= 2:
            raise Refused("REPLY_INVALID", "v4 reply needs 1 or 2 parts")
        try:
            meta = json.loads(parts[0])
        except ValueError:
            raise Refused("REPLY_INVALID", "v4 meta is not JSON")
        if not isinstance(meta, dict) or not is_int(meta.get("code")):
            raise Refused("REPLY_INVALID", 'v4 meta lacks an integer "code"')
        headers = meta.get("headers") or {}
        if not isinstance(headers, dict) or not all(isinstance(v, (str, int, float)) for v in headers.values()):
            raise Refused("REPLY_INVALID", "v4 headers are not an object of strings")
        return meta["code"], {k.lower(): str(v) for k, v in headers.items()}, parts[1] if len(parts) > 1 else b""
    if fmt == "v3":
        # The body itself; a one-key {"status_code": N} (or {"status": N}) object carries the status.
        status = 200
        try:
            parsed = json.loads(plaintext)
            code = parsed.get("status_code", parsed.get("status")) if isinstance(parsed, dict) else None
            if is_int(code) and len(parsed) == 1:
                status = code
        except ValueError:
            pass
        return status, {}, plaintext
    # A service node: {"body": <string or embedded JSON>, "status": <int>}.
    try:
        parsed = json.loads(plaintext)
    except ValueError:
        raise Refused("REPLY_INVALID", "service-node reply is not JSON")
    if not isinstance(parsed, dict) or not is_int(parsed.get("status")):
        raise Refused("REPLY_INVALID", 'service-node reply lacks an integer "status"')
    body = parsed.get("body")
    text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return parsed["status"], {}, text.encode()


# --- Swarms (swarms-and-storage.md §2) -----------------------------------------------------------


def swarm_position(account_id):
    """XOR of the four big-endian 64-bit words of the key; the prefix byte is ignored."""
    if not isinstance(account_id, str) or len(account_id) != 2 * ACCOUNT_ID_BYTES:
        raise Refused("KEY_INVALID", "account id is not 66 hex digits")
    try:
        key = bytes.fromhex(account_id)[1:]
    except ValueError:
        raise Refused("KEY_INVALID", "account id is not hex")
    position = 0
    for w in range(0, 32, 8):
        position ^= int.from_bytes(key[w:w + 8], "big")
    return position


def swarm_for(account_id, swarm_ids):
    """The nearest swarm id on the 2^64 ring; an exact tie goes to the left neighbour."""
    ids = sorted(swarm_ids)
    if not ids:
        return None
    p = swarm_position(account_id)
    right_index = next((i for i, s in enumerate(ids) if s >= p), 0)  # first id >= p, wrapping to ids[0]
    right, left = ids[right_index], ids[right_index - 1]  # index -1 wraps to the highest id
    return right if (right - p) % SWARM_RING < (p - left) % SWARM_RING else left


# --- Storage (swarms-and-storage.md §6, §8) ------------------------------------------------------


def namespace_text(ns):
    if not is_int(ns) or not NAMESPACE_MIN <= ns <= NAMESPACE_MAX:
        raise Refused("BAD_NAMESPACE", f"namespace {ns!r} is not a signed 16-bit integer")
    return "" if ns == 0 else str(ns)


def message_hash(account_id, namespace, data):
    if len(account_id) != ACCOUNT_ID_BYTES:
        raise Refused("BAD_ACCOUNT_ID", "account id is not 33 bytes")
    digest = hashlib.blake2b(account_id + namespace_text(namespace).encode() + data, digest_size=32).digest()
    return base64.b64encode(digest).decode()[:MESSAGE_HASH_CHARS]


def signed_string(signed, f):
    """The exact bytes a storage request (§6.1) or node response (§7) signature covers:
    parts concatenated without separators, integers in decimal, tokens as raw bytes."""
    m = f["method"]

    def ns_or_all(value):
        return "" if value is None else "all" if value == "all" else namespace_text(value)

    def expiry(value):
        return "".join(str(e) for e in value) if isinstance(value, list) else str(value)

    def tokens(values):
        return b"".join(bytes.fromhex(t) for t in values)

    def account():
        return bytes.fromhex(f["accountId"]).hex()

    hashes = "".join
    if signed == "request":
        text = {
            "store": lambda: m + namespace_text(f.get("namespace", 0)) + str(f["sigTimestamp"]),
            "retrieve": lambda: m + namespace_text(f.get("namespace", 0)) + str(f["timestamp"]),
            "delete": lambda: m + hashes(f["messages"]),
            "delete_all": lambda: m + ns_or_all(f.get("namespace")) + str(f["timestamp"]),
            "delete_before": lambda: m + ns_or_all(f.get("namespace")) + str(f["before"]),
            "expire_all": lambda: m + ns_or_all(f.get("namespace")) + str(f["expiry"]),
            "expire": lambda: m + f.get("mode", "") + expiry(f["expiry"]) + hashes(f["messages"]),
            "get_expiries": lambda: m + str(f["timestamp"]) + hashes(f["messages"]),
            "monitor.messages": lambda: "MONITOR" + account() + str(f["timestampSeconds"])
            + ("1" if f["wantData"] else "0") + ",".join(str(n) for n in f["namespaces"]),
        }
        if m in ("revoke_subaccount", "unrevoke_subaccount"):
            return (m + str(f["timestamp"])).encode() + tokens(f["tokens"])
        if m == "subaccount_sig":
            return bytes.fromhex(f["token"])
    elif signed == "response":
        text = {
            "store": lambda: f["hash"],
            "delete": lambda: account() + hashes(f["requested"]) + hashes(f["deleted"]),
            "delete_all": lambda: account() + str(f["timestamp"]) + hashes(f["deleted"]),
            "delete_before": lambda: account() + str(f["before"]) + hashes(f["deleted"]),
            "expire_all": lambda: account() + str(f["expiry"]) + hashes(f["updated"]),
            "expire": lambda: account() + expiry(f["expiry"]) + hashes(f["requested"]) + hashes(f["updated"])
            + "".join(h + str(e) for h, e in sorted(f.get("unchanged", {}).items())),
        }
        if m in ("revoke_subaccount", "unrevoke_subaccount"):
            return (account() + str(f["timestamp"])).encode() + tokens(f["tokens"])
    else:
        raise Refused("BAD_ARGUMENT", f"signed must be request or response, not {signed!r}")
    if m not in text:
        raise Refused("BAD_ARGUMENT", f"unknown {signed} method {m!r}")
    return text[m]().encode()


def ed25519_verifies(public_key, message, signature):
    if len(signature) != SIGNATURE_BYTES:
        return False
    try:
        VerifyKey(public_key).verify(message, signature)
        return True
    except BadSignatureError:
        return False


# --- The operations ------------------------------------------------------------------------------


def keys_of(a):
    return bytes.fromhex(a["ourSecret"]), bytes.fromhex(a["ourPublic"]), bytes.fromhex(a["theirPublic"])


def op_hop_derive_key(a):
    shared, key = hop_key(a["encType"], a["role"], *keys_of(a))
    return {"sharedSecret": shared.hex(), "key": key.hex()}


def op_hop_encrypt(a):
    _, key = hop_key(a["encType"], a["role"], *keys_of(a))
    return {"blob": seal(a["encType"], key, bytes.fromhex(a["nonce"]), bytes.fromhex(a["plaintext"])).hex()}


def op_hop_decrypt(a):
    _, key = hop_key(a["encType"], a["role"], *keys_of(a))
    return {"plaintext": open_sealed(a["encType"], key, bytes.fromhex(a["blob"])).hex()}


def op_layer_decode(a):
    blob, trailer = unframe(bytes.fromhex(a["body"]))
    return {"blob": blob.hex(), "trailer": trailer.hex()}


def op_onion_build(a):
    body = build_onion(a["path"], a["destination"], a["encTypes"], a.get("hopNo"), bytes.fromhex(a["payload"]),
                       Randomness(a.get("randomness")))
    return {"body": body.hex()}


def op_reply_encrypt(a):
    _, key = hop_key(a["encType"], "server", *keys_of(a))
    sealed = seal(a["encType"], key, bytes.fromhex(a["nonce"]), bytes.fromhex(a["plaintext"]))
    return {"body": (base64.b64encode(sealed) if a["base64"] else sealed).hex()}


def op_reply_decrypt(a):
    _, key = hop_key(a["encType"], "client", *keys_of(a))
    body = bytes.fromhex(a["body"])
    if a["format"] != "v4":  # node and v3 replies are base64 text
        try:
            body = base64.b64decode(body.strip(), validate=True)
        except ValueError:
            raise Refused("REPLY_INVALID", "reply is not base64")
    try:
        plaintext = open_sealed(a["encType"], key, body)
    except Refused as e:
        raise Refused("REPLY_INVALID", str(e))
    status, headers, content = read_reply(a["format"], plaintext)
    return {"status": status, "headers": headers, "body": content.hex()}


def op_swarm_position(a):
    return {"position": str(swarm_position(a["accountId"]))}


def op_swarm_for_pubkey(a):
    owner = swarm_for(a["accountId"], [int(s) for s in a["swarmIds"]])
    return {"swarmId": None if owner is None else str(owner)}


def op_storage_message_hash(a):
    return {"hash": message_hash(bytes.fromhex(a["accountId"]), a["namespace"], bytes.fromhex(a["data"]))}


def op_storage_signature_check(a):
    message = signed_string(a["signed"], a["fields"])
    valid = ed25519_verifies(bytes.fromhex(a["publicKey"]), message, bytes.fromhex(a["signature"]))
    return {"message": message.hex(), "valid": valid}


OPERATIONS = {
    "hop.derive_key": op_hop_derive_key,
    "hop.encrypt": op_hop_encrypt,
    "hop.decrypt": op_hop_decrypt,
    "layer.decode": op_layer_decode,
    "onion.build": op_onion_build,
    "reply.encrypt": op_reply_encrypt,
    "reply.decrypt": op_reply_decrypt,
    "swarm.position": op_swarm_position,
    "swarm.for_pubkey": op_swarm_for_pubkey,
    "storage.message_hash": op_storage_message_hash,
    "storage.signature_check": op_storage_signature_check,
}


def answer(request):
    """One answer object for one request object."""
    rid, op, args = request.get("id"), request.get("op"), request.get("args", {})
    if op == "hello":
        return {"id": rid, "result": {"protocol": PROTOCOL, "name": NAME, "version": VERSION,
                                      "operations": sorted(OPERATIONS)}}
    if op not in OPERATIONS:
        return {"id": rid, "unsupported": f"{op} is not implemented by this adapter"}
    try:
        return {"id": rid, "result": OPERATIONS[op](args)}
    except Refused as e:
        return {"id": rid, "error": {"class": e.error_class, "message": str(e)}}
    except (ValueError, KeyError, TypeError, IndexError) as e:  # malformed input is refused too
        return {"id": rid, "error": {"class": type(e).__name__, "message": str(e)}}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        sys.stdout.write(json.dumps(answer(json.loads(line))) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
