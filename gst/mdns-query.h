/* gst-webrtcsignal: the DNS messages of a one-shot mDNS query (RFC 6762),
 * as browsers need it: their ICE host candidates carry a random
 * "<uuid>.local" name instead of the address, which libnice 0.1.21 cannot
 * resolve. Plain C++ without GLib, so that tests and the fuzzer reach it;
 * the sockets are in mdns-resolver.h.
 *
 * Everything here reads untrusted network input: no length in a message is
 * trusted, names are bounded (RFC 1035: 255 bytes, 63 per label), a
 * compression pointer may only point backwards and is followed at most
 * MAX_POINTER_HOPS times, and at most MAX_RECORDS records are looked at.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gstsig::mdns {

constexpr uint16_t PORT = 5353;
constexpr const char *GROUP_IPV4 = "224.0.0.251";
constexpr uint16_t TYPE_A = 1;
constexpr uint16_t TYPE_AAAA = 28;
constexpr size_t MAX_NAME_LENGTH = 255; /* wire form, RFC 1035 2.3.4 */
constexpr size_t MAX_LABEL_LENGTH = 63;
constexpr unsigned MAX_LABELS = 16;       /* ours; a browser's name has 2 */
constexpr unsigned MAX_POINTER_HOPS = 16; /* compression pointers per name */
constexpr unsigned MAX_RECORDS = 64;      /* records read from one message */
constexpr size_t MAX_MESSAGE_SIZE = 9000; /* RFC 6762 17: the most it sends */

/* One address of an A or AAAA record. */
struct Address {
  bool ipv6 = false;
  std::array<uint8_t, 16> bytes {}; /* the first 4 for IPv4 */

  std::string to_string () const;
  bool operator== (const Address &o) const { return ipv6 == o.ipv6 && bytes == o.bytes; }
};

/* The name we would ask for, lower case without a final dot, if name is one
 * a browser hides an address behind: labels of letters, digits, '-' or '_',
 * ending in ".local", within the bounds above. */
std::optional<std::string> normalize_local_name (const std::string &name);

/* A query (QM: Chromium 156 does not answer a question with the
 * unicast-response bit, as its parser wants the class to be exactly IN)
 * with one question for name (as normalize_local_name gives it) of type
 * TYPE_A or TYPE_AAAA. Empty if name is not valid. */
std::vector<uint8_t> encode_query (const std::string &name, uint16_t type, uint16_t id);

/* Why a message was not taken as an answer (for the log). */
enum class Verdict {
  ANSWER,       /* records for our name: *addresses has them */
  NOT_RESPONSE, /* a query (ours looped back, or someone else's) */
  OTHER_ID,     /* a legacy unicast response to another query */
  OTHER_NAME,   /* a response, but with nothing for our name */
  REFUSED,      /* a response with an error code, truncated or not a query's */
  MALFORMED,    /* cut short, a bad name, a pointer loop, too many records */
};
const char *verdict_to_string (Verdict verdict);

/* Reads a message received on the mDNS port as the response to our query
 * for name (normalized) with this id. A multicast response carries id 0
 * and no question (RFC 6762 18.1, 6); one that carries our id (a legacy
 * unicast one) must repeat our question. The addresses are those of A and
 * AAAA records of class IN for exactly that name, in the answer and
 * additional sections, with a TTL above 0 (TTL 0 is a goodbye), and
 * usable as an ICE candidate's address (see usable_address); at most
 * 8, without duplicates. */
Verdict parse_response (const uint8_t *data, size_t size, const std::string &name, uint16_t id,
    std::vector<Address> *addresses);

/* False for addresses that cannot be a browser's host candidate and that a
 * hostile responder could point our checks at: unspecified, loopback,
 * multicast, broadcast, IPv4 0.0.0.0/8 and IPv6 link-local (libnice would
 * need the interface, which a name does not give). */
bool usable_address (const Address &address);

/* ICE candidate lines ("candidate:..." or "a=candidate:..."). */
struct CandidateAddress {
  std::string address; /* the connection address, the 5th field */
  size_t offset = 0;   /* where it is in the line */
};
/* The connection address of a candidate line, if it has one. */
std::optional<CandidateAddress> candidate_address (const std::string &candidate);
/* The candidate with its connection address replaced by address. */
std::string candidate_with_address (const std::string &candidate, const CandidateAddress &where,
    const std::string &address);

} // namespace gstsig::mdns
