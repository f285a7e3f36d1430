/* mDNS responses (gst/mdns-query.cpp), as anyone on the LAN may send them
 * to the port webrtcsend listens on while it resolves a browser's .local
 * candidate: parsed as the answer to a query for the seeds' name (and for
 * another), never trusted. What is an answer carries 1 to 8 usable
 * addresses. The input is also read as a candidate line whose .local name
 * would be queried: what normalizes encodes a query that is no answer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzz-common.h"
#include "mdns-query.h"

namespace mdns = gstsig::mdns;

namespace {

const std::string NAME = "26897370-dadf-4ef0-9c6d-2c87ee57fdd1.local";

void
check_parse (const uint8_t *data, size_t size, const std::string &name, uint16_t id)
{
  std::vector<mdns::Address> addresses;
  mdns::Verdict verdict = mdns::parse_response (data, size, name, id, &addresses);
  if (verdict == mdns::Verdict::ANSWER) {
    FUZZ_CHECK (!addresses.empty () && addresses.size () <= 8);
    for (const auto &address : addresses) {
      FUZZ_CHECK (mdns::usable_address (address));
      FUZZ_CHECK (!address.to_string ().empty ());
    }
  } else {
    FUZZ_CHECK (addresses.empty ());
  }
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  check_parse (data, size, NAME, 0x4242);
  check_parse (data, size, "a.local", 0);

  std::string text = gstsig::fuzz::text (data, size);
  auto where = mdns::candidate_address (text);
  if (where) {
    FUZZ_CHECK (text.compare (where->offset, where->address.size (), where->address) == 0);
    std::string rewritten = mdns::candidate_with_address (text, *where, "192.0.2.1");
    auto again = mdns::candidate_address (rewritten);
    FUZZ_CHECK (again && again->address == "192.0.2.1");
    if (auto name = mdns::normalize_local_name (where->address)) {
      FUZZ_CHECK (mdns::normalize_local_name (*name) == name);
      std::vector<uint8_t> query = mdns::encode_query (*name, mdns::TYPE_A, 0x4242);
      FUZZ_CHECK (!query.empty () && query.size () <= 12 + 255 + 4);
      std::vector<mdns::Address> addresses;
      FUZZ_CHECK (mdns::parse_response (query.data (), query.size (), *name, 0x4242,
                      &addresses) == mdns::Verdict::NOT_RESPONSE);
    }
  }
  return 0;
}
