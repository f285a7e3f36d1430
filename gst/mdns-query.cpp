/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "mdns-query.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>

namespace gstsig::mdns {

namespace {

constexpr size_t HEADER_SIZE = 12;
constexpr size_t QUESTION_MIN = 5; /* root name, type, class */
constexpr size_t RECORD_MIN = 11;  /* root name, type, class, TTL, length */
constexpr uint16_t FLAG_RESPONSE = 0x8000;
constexpr uint16_t CLASS_IN = 1;
constexpr uint16_t CLASS_MASK = 0x7fff; /* the top bit: cache-flush / QU */
constexpr uint16_t TYPE_ANY = 255;
constexpr size_t MAX_ADDRESSES = 8;

bool
plain_char (unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
      c == '_';
}

char
lower (unsigned char c)
{
  return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : (char) c;
}

/* A message being read: every read is checked against its end. */
struct Reader {
  const uint8_t *data;
  size_t size;
  size_t pos = 0;

  bool u16 (uint16_t *out)
  {
    if (size - pos < 2)
      return false;
    *out = (uint16_t) ((data[pos] << 8) | data[pos + 1]);
    pos += 2;
    return true;
  }
  bool u32 (uint32_t *out)
  {
    uint16_t hi, lo;
    if (!u16 (&hi) || !u16 (&lo))
      return false;
    *out = ((uint32_t) hi << 16) | lo;
    return true;
  }
  bool skip (size_t n)
  {
    if (size - pos < n)
      return false;
    pos += n;
    return true;
  }

  /* A name at pos, lower case and dotted, into *out; pos moves past it (past
   * its first compression pointer, if any). *plain is false when a label has
   * a byte normalize_local_name would refuse (such a name never matches
   * ours, whatever its dotted text looks like). */
  bool name (std::string *out, bool *plain)
  {
    out->clear ();
    *plain = true;
    size_t p = pos;
    size_t resume = 0;   /* where reading goes on after the first pointer */
    size_t lowest = pos; /* a pointer must point before this */
    unsigned hops = 0, labels = 0;
    size_t wire = 0;
    for (;;) {
      if (p >= size)
        return false;
      uint8_t len = data[p];
      if ((len & 0xc0) == 0xc0) {
        if (size - p < 2 || ++hops > MAX_POINTER_HOPS)
          return false;
        size_t target = ((size_t) (len & 0x3f) << 8) | data[p + 1];
        if (target >= lowest) /* forwards, or a loop */
          return false;
        if (hops == 1)
          resume = p + 2;
        lowest = target;
        p = target;
        continue;
      }
      if (len & 0xc0) /* 0x40 and 0x80: extended label types, obsolete */
        return false;
      wire += 1 + len;
      if (wire > MAX_NAME_LENGTH)
        return false;
      if (len == 0) {
        pos = hops ? resume : p + 1;
        return true;
      }
      if (++labels > MAX_LABELS || size - p - 1 < len)
        return false;
      if (!out->empty ())
        out->push_back ('.');
      for (size_t i = 0; i < len; i++) {
        unsigned char c = data[p + 1 + i];
        if (!plain_char (c))
          *plain = false;
        out->push_back (lower (c));
      }
      p += 1 + len;
    }
  }
};

void
put_u16 (std::vector<uint8_t> *out, uint16_t v)
{
  out->push_back ((uint8_t) (v >> 8));
  out->push_back ((uint8_t) (v & 0xff));
}

} // namespace

std::string
Address::to_string () const
{
  char text[INET6_ADDRSTRLEN] = "";
  inet_ntop (ipv6 ? AF_INET6 : AF_INET, bytes.data (), text, sizeof text);
  return text;
}

std::optional<std::string>
normalize_local_name (const std::string &name)
{
  std::string out;
  out.reserve (name.size ());
  size_t label = 0;
  unsigned labels = 0;
  for (size_t i = 0; i < name.size (); i++) {
    unsigned char c = name[i];
    if (c == '.') {
      if (label == 0)
        return std::nullopt;
      if (i + 1 == name.size ()) /* one final dot is allowed */
        break;
      label = 0;
      out.push_back ('.');
      continue;
    }
    if (!plain_char (c) || ++label > MAX_LABEL_LENGTH)
      return std::nullopt;
    if (label == 1)
      labels++;
    out.push_back (lower (c));
  }
  /* Wire form: a length byte per label, the label bytes and the root. */
  if (labels < 2 || labels > MAX_LABELS || out.size () + 2 > MAX_NAME_LENGTH)
    return std::nullopt;
  const std::string suffix = ".local";
  if (out.size () <= suffix.size () ||
      out.compare (out.size () - suffix.size (), suffix.size (), suffix) != 0)
    return std::nullopt;
  return out;
}

std::vector<uint8_t>
encode_query (const std::string &name, uint16_t type, uint16_t id)
{
  auto normal = normalize_local_name (name);
  if (!normal || *normal != name || (type != TYPE_A && type != TYPE_AAAA))
    return {};
  std::vector<uint8_t> out;
  out.reserve (HEADER_SIZE + name.size () + 6);
  put_u16 (&out, id);
  put_u16 (&out, 0); /* a standard query */
  put_u16 (&out, 1); /* one question */
  put_u16 (&out, 0);
  put_u16 (&out, 0);
  put_u16 (&out, 0);
  size_t start = 0;
  while (start <= name.size ()) {
    size_t dot = name.find ('.', start);
    if (dot == std::string::npos)
      dot = name.size ();
    out.push_back ((uint8_t) (dot - start));
    out.insert (out.end (), name.begin () + start, name.begin () + dot);
    start = dot + 1;
  }
  out.push_back (0);
  put_u16 (&out, type);
  put_u16 (&out, CLASS_IN);
  return out;
}

const char *
verdict_to_string (Verdict verdict)
{
  switch (verdict) {
    case Verdict::ANSWER:
      return "an answer";
    case Verdict::NOT_RESPONSE:
      return "not a response";
    case Verdict::OTHER_ID:
      return "a response to another query";
    case Verdict::OTHER_NAME:
      return "no usable record for the name asked";
    case Verdict::REFUSED:
      return "an error response";
    case Verdict::MALFORMED:
      return "malformed";
  }
  return "?";
}

bool
usable_address (const Address &a)
{
  const auto &b = a.bytes;
  if (!a.ipv6)
    return b[0] != 0 && b[0] != 127 && b[0] < 224;
  if (b[0] == 0xff || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80))
    return false;
  /* ::, ::1 and other addresses with 96 zero bits first (and ::ffff:a.b.c.d) */
  bool zero_prefix = std::all_of (b.begin (), b.begin () + 10, [] (uint8_t x) { return x == 0; });
  return !zero_prefix;
}

Verdict
parse_response (const uint8_t *data, size_t size, const std::string &name, uint16_t id,
    std::vector<Address> *addresses)
{
  addresses->clear ();
  if (!data || size < HEADER_SIZE || size > MAX_MESSAGE_SIZE)
    return Verdict::MALFORMED;
  Reader r { data, size };
  uint16_t msg_id, flags, counts[4];
  r.u16 (&msg_id);
  r.u16 (&flags);
  for (auto &count : counts)
    r.u16 (&count);
  if (!(flags & FLAG_RESPONSE))
    return Verdict::NOT_RESPONSE;
  if (msg_id != 0 && msg_id != id)
    return Verdict::OTHER_ID;
  if (((flags >> 11) & 0xf) != 0 || (flags & 0xf) != 0) /* opcode QUERY, rcode NOERROR */
    return Verdict::REFUSED;
  unsigned records = (unsigned) counts[1] + counts[2] + counts[3];
  if (counts[0] + records > MAX_RECORDS ||
      counts[0] * QUESTION_MIN + records * RECORD_MIN > size - HEADER_SIZE)
    return Verdict::MALFORMED;

  /* A legacy unicast response (our id) repeats our question. */
  std::string owner;
  bool plain = false;
  bool asked = false;
  for (unsigned i = 0; i < counts[0]; i++) {
    uint16_t qtype, qclass;
    if (!r.name (&owner, &plain) || !r.u16 (&qtype) || !r.u16 (&qclass))
      return Verdict::MALFORMED;
    if (plain && owner == name && (qclass & CLASS_MASK) == CLASS_IN &&
        (qtype == TYPE_A || qtype == TYPE_AAAA || qtype == TYPE_ANY))
      asked = true;
  }
  if (msg_id != 0 && (counts[0] != 1 || !asked))
    return Verdict::OTHER_NAME;

  std::vector<Address> found;
  for (unsigned i = 0; i < records; i++) {
    uint16_t type, rclass, length;
    uint32_t ttl;
    if (!r.name (&owner, &plain) || !r.u16 (&type) || !r.u16 (&rclass) || !r.u32 (&ttl) ||
        !r.u16 (&length))
      return Verdict::MALFORMED;
    size_t rdata = r.pos;
    if (!r.skip (length))
      return Verdict::MALFORMED;
    bool authority = i >= counts[1] && i < (unsigned) counts[1] + counts[2];
    if (authority || !plain || owner != name || (rclass & CLASS_MASK) != CLASS_IN)
      continue;
    if (type != TYPE_A && type != TYPE_AAAA)
      continue;
    if (length != (type == TYPE_A ? 4 : 16))
      return Verdict::MALFORMED;
    if (ttl == 0) /* a goodbye: the name no longer has that address */
      continue;
    Address address;
    address.ipv6 = type == TYPE_AAAA;
    std::copy (data + rdata, data + rdata + length, address.bytes.begin ());
    if (usable_address (address) && found.size () < MAX_ADDRESSES &&
        std::find (found.begin (), found.end (), address) == found.end ())
      found.push_back (address);
  }
  if (found.empty ())
    return Verdict::OTHER_NAME;
  *addresses = std::move (found);
  return Verdict::ANSWER;
}

std::optional<CandidateAddress>
candidate_address (const std::string &candidate)
{
  /* foundation component transport priority ADDRESS port "typ" type ... */
  size_t pos = 0;
  std::vector<std::pair<size_t, size_t>> fields; /* offset, length */
  while (pos < candidate.size () && fields.size () < 7) {
    size_t end = candidate.find (' ', pos);
    if (end == std::string::npos)
      end = candidate.size ();
    if (end == pos) /* two spaces in a row: not a candidate we rewrite */
      return std::nullopt;
    fields.emplace_back (pos, end - pos);
    pos = end + 1;
  }
  if (fields.size () < 7 || candidate.compare (fields[6].first, fields[6].second, "typ") != 0)
    return std::nullopt;
  size_t colon = candidate.find (':');
  if (colon == std::string::npos || colon > fields[0].second)
    return std::nullopt;
  std::string head = candidate.substr (0, colon);
  if (head != "candidate" && head != "a=candidate")
    return std::nullopt;
  return CandidateAddress { candidate.substr (fields[4].first, fields[4].second), fields[4].first };
}

std::string
candidate_with_address (const std::string &candidate, const CandidateAddress &where,
    const std::string &address)
{
  std::string out = candidate;
  out.replace (where.offset, where.address.size (), address);
  return out;
}

} // namespace gstsig::mdns
