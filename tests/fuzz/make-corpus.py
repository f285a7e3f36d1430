#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets: tests/fuzz/corpus/<target>/.

Small realistic inputs, written by us: messages as shared/PROTOCOL.md gives
them, a Chromium offer, a webrtcbin answer, a trickle sdpfrag, Link
headers, RTP packets carrying VP8/VP9/H264/H265 keyframes and compound
RTCP. Run it again after changing a seed; the files are committed.
"""
import base64
import json
import os
import shutil
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
ROOT = os.path.dirname(os.path.dirname(HERE))

CHROMIUM_OFFER = open(os.path.join(ROOT, "tests", "data", "chromium-recvonly-offer.sdp"),
                      newline="").read()

ANSWER = "\r\n".join([
    "v=0", "o=- 4611731400430051336 2 IN IP4 127.0.0.1", "s=-", "t=0 0",
    "a=group:BUNDLE video0 audio1", "a=ice-options:trickle",
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97", "c=IN IP4 0.0.0.0", "a=rtcp-mux",
    "a=ice-ufrag:Fz4x", "a=ice-pwd:Q2rC0bE3dAnQ1x1vY3v5bqNf", "a=mid:video0",
    "a=setup:active", "a=sendonly", "a=rtpmap:96 VP8/90000", "a=rtcp-fb:96 nack pli",
    "a=rtpmap:97 rtx/90000", "a=fmtp:97 apt=96",
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
    "a=ssrc-group:FID 0 3484000785", "a=ssrc:3484000785 msid:user1@host-1 webrtctransceiver0",
    "a=ssrc:3484000785 cname:user1@host-1",
    "a=candidate:1 1 UDP 2015363327 192.168.1.20 40312 typ host",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 0.0.0.0", "a=mid:audio1",
    "a=rtpmap:111 OPUS/48000/2", "a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid", ""])

SDPFRAG = "\r\n".join([
    "a=ice-ufrag:EsAw", "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1",
    "m=audio 9 UDP/TLS/RTP/SAVPF 0", "a=mid:0",
    "a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw "
    "network-id 1",
    "a=candidate:3471623853 1 udp 2122194687 198.51.100.2 61765 typ host generation 0 ufrag "
    "EsAw network-id 2",
    "a=candidate:473322822 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active generation 0 "
    "ufrag EsAw network-id 1",
    "a=end-of-candidates", ""])

CAND = "candidate:1 1 UDP 2015363327 192.168.1.20 40312 typ host"
META = {"name": "camera", "location": {"room": "lab"}}
STATS = {"role": "producer", "bitrate-out": 1250000, "rtt-ms": 0.1, "connected": True}


def j(obj):
    return json.dumps(obj, separators=(",", ":"))


def client_messages():
    return {
        "set-peer-status-producer": j({"type": "setPeerStatus", "roles": ["producer"], "meta": META}),
        "set-peer-status-listener": j({"type": "setPeerStatus", "roles": ["listener"], "meta": None,
                                       "peerId": "ignored"}),
        "start-session": j({"type": "startSession", "peerId": "6a1f", "offer": None}),
        "start-session-offer": j({"type": "startSession", "peerId": "6a1f",
                                  "offer": CHROMIUM_OFFER[:400]}),
        "peer-offer": j({"type": "peer", "sessionId": "s1", "sdp": {"type": "offer", "sdp": ANSWER}}),
        "peer-ice": j({"type": "peer", "sessionId": "s1",
                       "ice": {"candidate": CAND, "sdpMLineIndex": 0, "sdpMid": "video0",
                               "usernameFragment": "Fz4x"}}),
        "peer-ice-end": j({"type": "peer", "sessionId": "s1",
                           "ice": {"candidate": "", "sdpMLineIndex": 1.0}}),
        "end-session": j({"type": "endSession", "sessionId": "s1"}),
        "list": j({"type": "list"}),
        "list-consumers": j({"type": "listConsumers"}),
        "set-protocol-version": j({"type": "setProtocolVersion", "version": "1.0"}),
        "stats": j({"type": "stats", "sessionId": "s1", "stats": STATS}),
        "subscribe-stats": j({"type": "subscribeStats"}),
        "unsubscribe-stats": j({"type": "unsubscribeStats"}),
        "meta-nested": j({"a": {"b": [1, {"c": "d\"[{"}]}}),
    }


def server_messages():
    return {
        "welcome": j({"type": "welcome", "peerId": "2b6c"}),
        "welcome-old": j({"type": "welcome", "peer_id": "2b6c"}),
        "peer-status-changed": j({"type": "peerStatusChanged", "roles": ["producer", "listener"],
                                  "meta": META, "peerId": "6a1f"}),
        "start-session": j({"type": "startSession", "peerId": "2b6c", "sessionId": "s1",
                            "offer": None}),
        "session-started": j({"type": "sessionStarted", "peerId": "6a1f", "sessionId": "s1"}),
        "peer-answer": j({"type": "peer", "sessionId": "s1", "sdp": {"type": "answer", "sdp": ANSWER}}),
        "peer-ice": j({"type": "peer", "sessionId": "s1",
                       "ice": {"candidate": CAND, "sdpMLineIndex": 0}}),
        "end-session": j({"type": "endSession", "sessionId": "s1"}),
        "list": j({"type": "list", "producers": [{"id": "6a1f", "meta": META},
                                                 {"id": "7b20", "meta": None}]}),
        "list-consumers": j({"type": "listConsumers", "consumers": [{"id": "2b6c", "meta": None}]}),
        "error": j({"type": "error", "details": "startSession: missing field 'peerId'"}),
        "stats": j({"type": "stats", "peerId": "6a1f", "sessionId": "s1", "stats": STATS}),
        "session-ended": j({"type": "sessionEnded", "sessionId": "s1"}),
    }


def json_texts():
    return {
        "object": j({"a": [1, 2.5, -3e2, True, False, None], "b": {"c": "x"}}),
        "escapes": '["\\"[", "\\\\", "\\u005b", "\\n]"]',
        "depth4": "[[[{\"a\":[]}]]]",
        "depth5": "[[[[[]]]]]",
        "string-brackets": "{\"a\":\"[[[[[[{{{{\"}",
        "unbalanced": "]]}}[[",
    }


def manual_tokens():
    offer = j({"type": "offer", "sdp": ANSWER})
    return {
        "raw-sdp": ANSWER,
        "json": offer,
        "base64": base64.b64encode(offer.encode()).decode(),
        "base64-wrapped": "\r\n".join(
            base64.b64encode(offer.encode()).decode()[i:i + 60] for i in range(0, 400, 60)),
        "compressed": compressed(offer),
        "answer-json": j({"type": "answer", "sdp": ANSWER}),
    }


def compressed(text):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return "z:" + base64.urlsafe_b64encode(c.compress(text.encode()) + c.flush()).decode().rstrip("=")


def whip_http():
    return {
        "links": "whip+http://127.0.0.1:8080/whip/endpoint\n"
                 "<stun:stun.example.net>; rel=\"ice-server\", "
                 "<turn:turn.example.net?transport=udp>; rel=\"ice-server\"; username=\"user\"; "
                 "credential=\"pa\\\"ss\"; credential-type=\"password\", "
                 "<turns:[2001:db8::1]:5349>; rel=\"ice-server preload\"",
        "location": "whip+https://example.com/whip/live\n/whip/session/9f3a?x=1",
        "body": "whep+http://example.com/\n<html>\r\n<body>401 Unauthorized:\tbad token</body>",
    }


# ---- RTP / RTCP ----

def rtp(pt, seq, ts, ssrc, payload, marker=False, ext=b"", csrc=()):
    b0 = 0x80 | (0x10 if ext else 0) | len(csrc)
    header = struct.pack("!BBHII", b0, (0x80 if marker else 0) | pt, seq, ts, ssrc)
    header += b"".join(struct.pack("!I", c) for c in csrc)
    if ext:
        header += struct.pack("!HH", 0xBEDE, len(ext) // 4) + ext
    return header + payload


def records(flags, packets, step_ms=33):
    out = bytes([flags])
    for p in packets:
        out += struct.pack("!HB", len(p), step_ms) + p
    return out


def rtcp_sr(ssrc, reports=()):
    body = struct.pack("!IIIIII", ssrc, 0xE1A2B3C4, 0x10000000, 90000, 120, 96000)
    body += b"".join(reports)
    return struct.pack("!BBH", 0x80 | len(reports), 200, (4 + len(body)) // 4 - 1) + body


def rtcp_rr(ssrc, reports):
    body = struct.pack("!I", ssrc) + b"".join(reports)
    return struct.pack("!BBH", 0x80 | len(reports), 201, (4 + len(body)) // 4 - 1) + body


def report_block(ssrc, lost=3):
    """ssrc, fraction lost, cumulative lost (24 bits), highest seq, jitter, LSR, DLSR"""
    return struct.pack("!IB", ssrc, 12) + lost.to_bytes(3, "big") + struct.pack("!IIII", 70000, 42, 0, 0)


def rtcp_sdes(ssrc):
    item = b"\x01\x0cuser@host-1\x00"
    chunk = struct.pack("!I", ssrc) + item
    chunk += b"\x00" * (-len(chunk) % 4)
    return struct.pack("!BBH", 0x81, 202, (4 + len(chunk)) // 4 - 1) + chunk


def rtp_flows():
    vp8_key = bytes([0x90, 0x80, 0x12, 0x34]) + bytes([0x50, 0x2A, 0x00, 0x9D, 0x01, 0x2A]) + b"\x00" * 20
    vp8_delta = bytes([0x10]) + bytes([0x31, 0x01, 0x00]) + b"\x11" * 20
    vp9_key = bytes([0x8A, 0x80, 0x01]) + b"\x82\x49\x83\x42" + b"\x00" * 16
    sps = bytes([0x67, 0x42, 0xC0, 0x1F, 0xDA, 0x01, 0x40, 0x16, 0xEC])
    pps = bytes([0x68, 0xCE, 0x3C, 0x80])
    idr = bytes([0x65, 0x88, 0x84, 0x00]) + b"\x33" * 20
    stap_a = bytes([0x18]) + b"".join(struct.pack("!H", len(n)) + n for n in (sps, pps, idr))
    fu_a_start = bytes([0x7C, 0x85]) + b"\x88\x84" + b"\x33" * 30
    fu_a_end = bytes([0x7C, 0x45]) + b"\x44" * 30
    h265_idr = bytes([0x26, 0x01]) + b"\xAF\x06" + b"\x55" * 20
    h265_ap = bytes([0x60, 0x01]) + struct.pack("!H", 4) + bytes([0x40, 0x01, 0x0C, 0x01]) \
        + struct.pack("!H", len(h265_idr)) + h265_idr
    h265_fu = bytes([0x62, 0x01, 0x93]) + b"\x66" * 20
    ext = struct.pack("!BB", 0x10, 0x05) + b"\x00\x00"  # one-byte header extension, padded
    padded = rtp(96, 7, 3000, 0x1111, vp8_delta + b"\x00\x00\x03")
    padded = bytes([padded[0] | 0x20]) + padded[1:]
    return {
        "vp8": records(2, [b"96:VP8/90000,111:OPUS/48000",
                           rtp(96, 1, 0, 0x1111, vp8_key, True, ext),
                           rtp(96, 2, 3000, 0x1111, vp8_delta, True),
                           rtp(96, 4, 6000, 0x1111, vp8_delta, True),
                           rtp(96, 3, 6000, 0x1111, vp8_delta),
                           padded,
                           rtcp_sr(0x1111, [report_block(0x2222)]) + rtcp_sdes(0x1111)]),
        "h264": records(2, [b"102:H264/90000",
                            rtp(102, 100, 90000, 0x3333, stap_a, False, b"", (0x44,)),
                            rtp(102, 101, 90000, 0x3333, fu_a_start),
                            rtp(102, 102, 90000, 0x3333, fu_a_end, True),
                            rtp(102, 103, 93000, 0x3333, idr, True)]),
        "h265-vp9": records(2, [b"98:VP9/90000,100:H265/90000",
                                rtp(98, 65535, 0, 0x5555, vp9_key, True),
                                rtp(98, 0, 3000, 0x5555, vp9_key, True),
                                rtp(100, 9, 0, 0x6666, h265_ap),
                                rtp(100, 10, 0, 0x6666, h265_fu, True),
                                rtp(100, 11, 3000, 0x6666, h265_idr, True)]),
        "rtcp": records(1, [rtcp_sr(0x1111, [report_block(0x2222, 0xFFFFFF)]) + rtcp_rr(0x2222, [
            report_block(0x1111)]) + rtcp_sdes(0x2222),
                            rtcp_rr(0x7777, [])]),
    }


def janus_messages():
    vr = "janus.plugin.videoroom"
    return {
        "success": j({"janus": "success", "transaction": "t1", "data": {"id": 4711}}),
        "ack": j({"janus": "ack", "session_id": 1, "transaction": "t2"}),
        "joined": j({"janus": "event", "session_id": 1, "sender": 2, "transaction": "t3",
                     "plugindata": {"plugin": vr, "data": {
                         "videoroom": "joined", "room": 1234, "id": 55, "private_id": 66,
                         "publishers": [{"id": 7, "display": "cam"}, {"id": "s8"}]}}}),
        "answer": j({"janus": "event", "sender": 2, "transaction": "t4",
                     "plugindata": {"plugin": vr, "data": {"videoroom": "event",
                                                            "configured": "ok"}},
                     "jsep": {"type": "answer", "sdp": ANSWER}}),
        "participants": j({"janus": "success", "plugindata": {"plugin": vr, "data": {
            "videoroom": "participants", "room": 1,
            "participants": [{"id": 1, "publisher": True}, {"id": 2, "publisher": False}]}}}),
        "room-error": j({"janus": "event", "plugindata": {"plugin": vr, "data": {
            "videoroom": "event", "error_code": 429, "error": "Missing mandatory element (pin)"}}}),
        "leaving": j({"janus": "event", "sender": 2, "plugindata": {"plugin": vr, "data": {
            "videoroom": "event", "room": 1, "leaving": 7, "unpublished": "ok"}}}),
        "core-error": j({"janus": "error", "transaction": "t5",
                         "error": {"code": 403, "reason": "Unauthorized request"}}),
        "hangup": j({"janus": "hangup", "session_id": 1, "sender": 2, "reason": "DTLS alert"}),
        "uri-query": "room=12&display=Cam%201&pin=p&create=1&feed=99",
    }


MDNS_NAME = "26897370-dadf-4ef0-9c6d-2c87ee57fdd1.local"


def dns_name(name):
    return b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0"


def mdns_messages():
    """Responses to a query for MDNS_NAME (fuzz-mdns asks for it, id 0x4242)."""
    # Chromium 156's answer, as captured: A 10.99.0.2 (cache-flush), NSEC.
    chromium = bytes.fromhex(
        "0000840000000001000000012432363839373337302d646164662d346566302d39633664"
        "2d326338376565353766646431056c6f63616c00000180010000007800040a6300022432"
        "363839373337302d646164662d346566302d396336642d326338376565353766646431056c"
        "6f63616c00002f8001000000780005c046000140")
    # A legacy unicast answer: our id, our question, answers pointing at it.
    legacy = (struct.pack(">6H", 0x4242, 0x8400, 1, 2, 0, 0) + dns_name(MDNS_NAME) +
              struct.pack(">HH", 1, 1) +
              struct.pack(">HHHIH", 0xC00C, 1, 0x8001, 120, 4) + bytes([192, 0, 2, 7]) +
              struct.pack(">HHHIH", 0xC00C, 28, 0x8001, 120, 16) +
              bytes.fromhex("20010db8000000000000000000000007"))
    query = struct.pack(">6H", 0, 0, 1, 0, 0, 0) + dns_name(MDNS_NAME) + struct.pack(">HH", 1, 1)
    return {"chromium-answer": chromium, "legacy-unicast": legacy, "query": query,
            "candidate": "candidate:2888196153 1 udp 2113937151 " + MDNS_NAME +
                         " 35509 typ host generation 0 ufrag o2jN network-cost 999"}


def write(target, seeds):
    folder = os.path.join(CORPUS, target)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for name, data in seeds.items():
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def main():
    write("protocol-client", client_messages())
    write("protocol-server", server_messages())
    write("json-limits", {**json_texts(), "client-stats": client_messages()["stats"]})
    write("manual-token", manual_tokens())
    write("sdpfrag", {"patch": SDPFRAG, "end-only": "a=end-of-candidates\r\n",
                      "session-level": "a=ice-ufrag:EsAw\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\n"
                                       "a=" + CAND + "\n"})
    write("whip-http", whip_http())
    write("sdp-utils", {"chromium-offer": CHROMIUM_OFFER, "webrtcbin-answer": ANSWER})
    write("rtpdiag", rtp_flows())
    write("janus-api", janus_messages())
    write("mdns", mdns_messages())


if __name__ == "__main__":
    main()
