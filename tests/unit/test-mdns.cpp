/* mDNS for .local ICE candidates: the messages (gst/mdns-query.h) from
 * good, odd and hostile responders, the candidate rewriting, and the
 * resolver (gst/mdns-resolver.h) against a responder of the test's own on
 * 127.0.0.1 (unicast: the group and port are options).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "mdns-query.h"
#include "mdns-resolver.h"

#include <gio/gio.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace gstsig;
using mdns::Verdict;

namespace {

const std::string NAME = "26897370-dadf-4ef0-9c6d-2c87ee57fdd1.local";

std::vector<uint8_t>
from_hex (const std::string &hex)
{
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size (); i += 2)
    out.push_back ((uint8_t) std::stoul (hex.substr (i, 2), nullptr, 16));
  return out;
}

/* Chromium 156's answer to a query for NAME (captured across two network
 * namespaces): id 0, no question, A 10.99.0.2 with cache-flush, NSEC. */
const std::vector<uint8_t> CHROMIUM_ANSWER = from_hex (
    "0000840000000001000000012432363839373337302d646164662d346566302d39633664"
    "2d326338376565353766646431056c6f63616c00000180010000007800040a6300022432"
    "363839373337302d646164662d346566302d396336642d326338376565353766646431056c"
    "6f63616c00002f8001000000780005c046000140");

/* A DNS message, written field by field. */
struct Message {
  std::vector<uint8_t> bytes;

  Message (uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
  {
    for (uint16_t v : { id, flags, qd, an, ns, ar })
      u16 (v);
  }
  Message &u16 (uint16_t v)
  {
    bytes.push_back ((uint8_t) (v >> 8));
    bytes.push_back ((uint8_t) v);
    return *this;
  }
  Message &u32 (uint32_t v) { return u16 ((uint16_t) (v >> 16)).u16 ((uint16_t) v); }
  Message &raw (const std::vector<uint8_t> &v)
  {
    bytes.insert (bytes.end (), v.begin (), v.end ());
    return *this;
  }
  /* A name as labels (dots split them), uncompressed. */
  Message &name (const std::string &dotted)
  {
    size_t start = 0;
    while (start < dotted.size ()) {
      size_t dot = dotted.find ('.', start);
      if (dot == std::string::npos)
        dot = dotted.size ();
      label (dotted.substr (start, dot - start));
      start = dot + 1;
    }
    bytes.push_back (0);
    return *this;
  }
  Message &label (const std::string &text)
  {
    bytes.push_back ((uint8_t) text.size ());
    bytes.insert (bytes.end (), text.begin (), text.end ());
    return *this;
  }
  Message &pointer (uint16_t offset) { return u16 ((uint16_t) (0xc000 | offset)); }
  Message &question (uint16_t type = mdns::TYPE_A) { return u16 (type).u16 (1); }
  /* Type, class IN with cache-flush, TTL, and the data. */
  Message &record (uint16_t type, const std::vector<uint8_t> &data, uint32_t ttl = 120,
      uint16_t rclass = 0x8001)
  {
    u16 (type).u16 (rclass).u32 (ttl).u16 ((uint16_t) data.size ());
    return raw (data);
  }
};

const std::vector<uint8_t> A_10_1_2_3 = { 10, 1, 2, 3 };

Verdict
parse (const std::vector<uint8_t> &message, std::vector<mdns::Address> *out = nullptr,
    uint16_t id = 0x4242, const std::string &name = NAME)
{
  std::vector<mdns::Address> ignored;
  return mdns::parse_response (message.data (), message.size (), name, id, out ? out : &ignored);
}

/* A multicast answer for name: A 10.1.2.3. */
std::vector<uint8_t>
answer_for (const std::string &name, const std::vector<uint8_t> &a = A_10_1_2_3)
{
  return Message (0, 0x8400, 0, 1, 0, 0).name (name).record (mdns::TYPE_A, a).bytes;
}

} // namespace

/* ---- names and queries ---- */

TEST (MdnsQuery, LocalNamesAreNormalizedAndBounded)
{
  EXPECT_EQ (*mdns::normalize_local_name ("ABC-def_1.Local."), "abc-def_1.local");
  EXPECT_EQ (*mdns::normalize_local_name (NAME), NAME);
  for (const char *bad : { "", "local", ".local", "a..local", "a.local..", "10.99.0.2", "a.com",
           "a b.local", "a.local.com", "é.local", "a\x01.local", "host.local\n" })
    EXPECT_FALSE (mdns::normalize_local_name (bad)) << bad;
  EXPECT_TRUE (mdns::normalize_local_name (std::string (63, 'a') + ".local"));
  EXPECT_FALSE (mdns::normalize_local_name (std::string (64, 'a') + ".local"));
  /* 255 bytes on the wire at most (3 x 64 + 56 + 6 + 1); 16 labels at most. */
  std::string long_name;
  for (int i = 0; i < 3; i++)
    long_name += std::string (63, 'a') + ".";
  EXPECT_TRUE (mdns::normalize_local_name (long_name + std::string (55, 'a') + ".local"));
  EXPECT_FALSE (mdns::normalize_local_name (long_name + std::string (56, 'a') + ".local"));
  std::string many;
  for (int i = 0; i < 15; i++)
    many += "a.";
  EXPECT_TRUE (mdns::normalize_local_name (many + "local"));
  EXPECT_FALSE (mdns::normalize_local_name ("a." + many + "local"));
}

TEST (MdnsQuery, QueryIsOneQuestionOfClassIn)
{
  EXPECT_EQ (mdns::encode_query ("ab.local", mdns::TYPE_AAAA, 0x1234),
      from_hex ("123400000001000000000000"
                "026162056c6f63616c00"
                "001c"
                "0001"));
  EXPECT_TRUE (mdns::encode_query ("Ab.local", mdns::TYPE_A, 1).empty ()); /* not normalized */
  EXPECT_TRUE (mdns::encode_query ("ab.com", mdns::TYPE_A, 1).empty ());
  EXPECT_TRUE (mdns::encode_query ("ab.local", 255, 1).empty ());
}

/* ---- responses ---- */

TEST (MdnsQuery, ChromiumAnswerIsRead)
{
  std::vector<mdns::Address> addresses;
  ASSERT_EQ (parse (CHROMIUM_ANSWER, &addresses), Verdict::ANSWER);
  ASSERT_EQ (addresses.size (), 1u);
  EXPECT_EQ (addresses[0].to_string (), "10.99.0.2");
  /* The same answer is not one for another name. */
  EXPECT_EQ (parse (CHROMIUM_ANSWER, nullptr, 0x4242, "other.local"), Verdict::OTHER_NAME);
}

TEST (MdnsQuery, OnlyRecordsForExactlyTheNameAskedCount)
{
  EXPECT_EQ (parse (answer_for (NAME)), Verdict::ANSWER);
  EXPECT_EQ (parse (answer_for ("x" + NAME)), Verdict::OTHER_NAME);
  EXPECT_EQ (parse (answer_for (NAME.substr (1))), Verdict::OTHER_NAME);
  EXPECT_EQ (parse (answer_for (NAME + ".local")), Verdict::OTHER_NAME);
  /* One label whose text is our dotted name. */
  auto one_label = Message (0, 0x8400, 0, 1, 0, 0).label (NAME).raw ({ 0 }).record (1, A_10_1_2_3);
  EXPECT_EQ (parse (one_label.bytes), Verdict::OTHER_NAME);
  /* Upper case is the same name. */
  std::string upper = NAME;
  for (auto &c : upper)
    c = (char) toupper (c);
  EXPECT_EQ (parse (answer_for (upper)), Verdict::ANSWER);
  /* In the authority section it does not count; in the additional one it does. */
  auto authority = Message (0, 0x8400, 0, 0, 1, 0).name (NAME).record (1, A_10_1_2_3);
  EXPECT_EQ (parse (authority.bytes), Verdict::OTHER_NAME);
  auto additional = Message (0, 0x8400, 0, 0, 0, 1).name (NAME).record (1, A_10_1_2_3);
  EXPECT_EQ (parse (additional.bytes), Verdict::ANSWER);
  /* Class CH, and types other than A/AAAA, do not count. */
  auto chaos = Message (0, 0x8400, 0, 1, 0, 0).name (NAME).record (1, A_10_1_2_3, 120, 3);
  EXPECT_EQ (parse (chaos.bytes), Verdict::OTHER_NAME);
  auto txt = Message (0, 0x8400, 0, 1, 0, 0).name (NAME).record (16, { 3, 'a', 'b', 'c' });
  EXPECT_EQ (parse (txt.bytes), Verdict::OTHER_NAME);
}

TEST (MdnsQuery, QueriesErrorsAndOtherIdsAreNotAnswers)
{
  auto query = Message (0, 0, 1, 0, 0, 0).name (NAME).question ();
  EXPECT_EQ (parse (query.bytes), Verdict::NOT_RESPONSE);
  auto query_with_answer = Message (0, 0, 0, 1, 0, 0).name (NAME).record (1, A_10_1_2_3);
  EXPECT_EQ (parse (query_with_answer.bytes), Verdict::NOT_RESPONSE);
  auto other_id = Message (7, 0x8400, 0, 1, 0, 0).name (NAME).record (1, A_10_1_2_3);
  EXPECT_EQ (parse (other_id.bytes), Verdict::OTHER_ID);
  auto nxdomain = Message (0, 0x8403, 0, 1, 0, 0).name (NAME).record (1, A_10_1_2_3);
  EXPECT_EQ (parse (nxdomain.bytes), Verdict::REFUSED);
  auto update = Message (0, 0x8400 | (5 << 11), 0, 1, 0, 0).name (NAME).record (1, A_10_1_2_3);
  EXPECT_EQ (parse (update.bytes), Verdict::REFUSED);
}

TEST (MdnsQuery, LegacyUnicastAnswerMustRepeatOurQuestion)
{
  /* Our id: the question must be ours; the answer may point at it. */
  auto good = Message (0x4242, 0x8400, 1, 1, 0, 0)
                  .name (NAME)
                  .question ()
                  .pointer (12)
                  .record (1, A_10_1_2_3);
  std::vector<mdns::Address> addresses;
  EXPECT_EQ (parse (good.bytes, &addresses), Verdict::ANSWER);
  ASSERT_EQ (addresses.size (), 1u);
  EXPECT_EQ (addresses[0].to_string (), "10.1.2.3");
  auto no_question = Message (0x4242, 0x8400, 0, 1, 0, 0).name (NAME).record (1, A_10_1_2_3);
  EXPECT_EQ (parse (no_question.bytes), Verdict::OTHER_NAME);
  auto other_question = Message (0x4242, 0x8400, 1, 1, 0, 0)
                            .name ("x.local")
                            .question ()
                            .name (NAME)
                            .record (1, A_10_1_2_3);
  EXPECT_EQ (parse (other_question.bytes), Verdict::OTHER_NAME);
}

TEST (MdnsQuery, UnusableAddressesAndGoodbyesAreIgnored)
{
  for (std::vector<uint8_t> a : std::vector<std::vector<uint8_t>> { { 0, 0, 0, 0 },
           { 127, 0, 0, 1 }, { 224, 0, 0, 251 }, { 255, 255, 255, 255 }, { 0, 1, 2, 3 } })
    EXPECT_EQ (parse (answer_for (NAME, a)), Verdict::OTHER_NAME) << (int) a[0];
  auto goodbye = Message (0, 0x8400, 0, 1, 0, 0).name (NAME).record (1, A_10_1_2_3, 0);
  EXPECT_EQ (parse (goodbye.bytes), Verdict::OTHER_NAME);

  std::vector<uint8_t> global = from_hex ("20010db8000000000000000000000001");
  std::vector<uint8_t> link_local = from_hex ("fe800000000000000000000000000001");
  std::vector<uint8_t> loopback = from_hex ("00000000000000000000000000000001");
  std::vector<uint8_t> mapped = from_hex ("00000000000000000000ffff0a010203");
  auto v6 = Message (0, 0x8400, 0, 4, 0, 0);
  for (const auto &a : { link_local, loopback, mapped, global })
    v6.name (NAME).record (mdns::TYPE_AAAA, a);
  std::vector<mdns::Address> addresses;
  ASSERT_EQ (parse (v6.bytes, &addresses), Verdict::ANSWER);
  ASSERT_EQ (addresses.size (), 1u);
  EXPECT_EQ (addresses[0].to_string (), "2001:db8::1");
  EXPECT_TRUE (addresses[0].ipv6);

  /* The same address twice is one; at most 8. */
  auto many = Message (0, 0x8400, 0, 12, 0, 0);
  for (uint8_t i = 0; i < 12; i++)
    many.name (NAME).record (1, { 10, 0, 0, (uint8_t) (i / 2 + 1) });
  ASSERT_EQ (parse (many.bytes, &addresses), Verdict::ANSWER);
  EXPECT_EQ (addresses.size (), 6u);
  auto more = Message (0, 0x8400, 0, 12, 0, 0);
  for (uint8_t i = 0; i < 12; i++)
    more.name (NAME).record (1, { 10, 0, 0, (uint8_t) (i + 1) });
  ASSERT_EQ (parse (more.bytes, &addresses), Verdict::ANSWER);
  EXPECT_EQ (addresses.size (), 8u);
}

TEST (MdnsQuery, LengthsAreNeverTrusted)
{
  /* Every cut of a good answer is malformed (the full one is an answer). */
  for (size_t n = 0; n < CHROMIUM_ANSWER.size (); n++) {
    std::vector<uint8_t> cut (CHROMIUM_ANSWER.begin (), CHROMIUM_ANSWER.begin () + n);
    EXPECT_EQ (parse (cut), Verdict::MALFORMED) << n;
  }
  /* Record data longer than the message. */
  auto long_rdata = Message (0, 0x8400, 0, 1, 0, 0)
                        .name (NAME)
                        .u16 (1)
                        .u16 (1)
                        .u32 (120)
                        .u16 (400)
                        .raw (A_10_1_2_3);
  EXPECT_EQ (parse (long_rdata.bytes), Verdict::MALFORMED);
  /* An A record of 5 bytes. */
  auto odd_a = Message (0, 0x8400, 0, 1, 0, 0).name (NAME).record (1, { 10, 1, 2, 3, 4 });
  EXPECT_EQ (parse (odd_a.bytes), Verdict::MALFORMED);
  /* Counts that cannot fit, or more records than we read. */
  auto counts = Message (0, 0x8400, 0, 0xffff, 0xffff, 0xffff).name (NAME).record (1, A_10_1_2_3);
  EXPECT_EQ (parse (counts.bytes), Verdict::MALFORMED);
  auto too_many = Message (0, 0x8400, 0, 65, 0, 0);
  for (int i = 0; i < 65; i++)
    too_many.name (NAME).record (1, A_10_1_2_3);
  EXPECT_EQ (parse (too_many.bytes), Verdict::MALFORMED);
  /* Bigger than any mDNS message. */
  std::vector<uint8_t> huge = answer_for (NAME);
  huge.resize (mdns::MAX_MESSAGE_SIZE + 1);
  EXPECT_EQ (parse (huge), Verdict::MALFORMED);
  /* A name longer than 255 bytes. */
  auto long_name = Message (0, 0x8400, 0, 1, 0, 0);
  for (int i = 0; i < 5; i++)
    long_name.label (std::string (60, 'a'));
  long_name.name ("local").record (1, A_10_1_2_3);
  EXPECT_EQ (parse (long_name.bytes), Verdict::MALFORMED);
  /* Extended label types. */
  auto extended = Message (0, 0x8400, 0, 1, 0, 0).raw ({ 0x41, 'a', 0 }).record (1, A_10_1_2_3);
  EXPECT_EQ (parse (extended.bytes), Verdict::MALFORMED);
}

TEST (MdnsQuery, CompressionPointersOnlyGoBackAndEnd)
{
  /* A pointer to itself, forwards, past the end, and a two-pointer loop. */
  auto self = Message (0, 0x8400, 0, 1, 0, 0).pointer (12).record (1, A_10_1_2_3);
  EXPECT_EQ (parse (self.bytes), Verdict::MALFORMED);
  auto forward = Message (0, 0x8400, 0, 1, 0, 0).pointer (14).name (NAME).record (1, A_10_1_2_3);
  EXPECT_EQ (parse (forward.bytes), Verdict::MALFORMED);
  auto past_end = Message (0, 0x8400, 0, 1, 0, 0).pointer (0x3fff).record (1, A_10_1_2_3);
  EXPECT_EQ (parse (past_end.bytes), Verdict::MALFORMED);
  /* Record 1's data: a label then a pointer back to itself (offset 23:
   * "\x01a" then C0 17); record 2's name points at the label. */
  auto loop = Message (0, 0x8400, 0, 2, 0, 0).raw ({ 0 }).record (16, { 1, 'a', 0xc0, 23 });
  ASSERT_EQ (loop.bytes[23], 1);
  loop.pointer (23).record (1, A_10_1_2_3);
  EXPECT_EQ (parse (loop.bytes), Verdict::MALFORMED);
  /* A chain of backward pointers: 16 hops are fine, 17 are not. */
  for (int hops : { 16, 17 }) {
    /* Record 1: NAME at offset 12, type TXT, whose data are hops - 1
     * pointers, the first to NAME, each next one to the one before it.
     * Record 2: A, named by a pointer to the last of them. */
    Message m (0, 0x8400, 0, 2, 0, 0);
    m.name (NAME).u16 (16).u16 (1).u32 (120).u16 ((uint16_t) (2 * (hops - 1)));
    size_t at = m.bytes.size ();
    m.pointer (12);
    for (int i = 1; i < hops - 1; i++, at += 2)
      m.pointer ((uint16_t) at);
    m.pointer ((uint16_t) at).record (1, A_10_1_2_3);
    EXPECT_EQ (parse (m.bytes), hops == 16 ? Verdict::ANSWER : Verdict::MALFORMED) << hops;
  }
}

/* ---- candidates ---- */

TEST (MdnsQuery, CandidateAddressIsReplaced)
{
  const std::string chromium = "candidate:2888196153 1 udp 2113937151 " + NAME +
      " 35509 typ host generation 0 ufrag o2jN network-cost 999";
  auto where = mdns::candidate_address (chromium);
  ASSERT_TRUE (where);
  EXPECT_EQ (where->address, NAME);
  EXPECT_EQ (mdns::candidate_with_address (chromium, *where, "10.99.0.2"),
      "candidate:2888196153 1 udp 2113937151 10.99.0.2 35509 typ host generation 0 ufrag o2jN "
      "network-cost 999");
  EXPECT_EQ (mdns::candidate_with_address (chromium, *where, "2001:db8::1"),
      "candidate:2888196153 1 udp 2113937151 2001:db8::1 35509 typ host generation 0 ufrag o2jN "
      "network-cost 999");
  auto sdp = mdns::candidate_address ("a=candidate:1 1 UDP 2 abc.local 9 typ host");
  ASSERT_TRUE (sdp);
  EXPECT_EQ (sdp->address, "abc.local");
  /* Only the connection address: a .local raddr stays. */
  const std::string srflx = "candidate:1 1 udp 2 1.2.3.4 5 typ srflx raddr abc.local rport 6";
  EXPECT_EQ (mdns::candidate_address (srflx)->address, "1.2.3.4");
  for (const char *bad : { "", "candidate:", "candidate:1 1 udp 2 abc.local 9 host",
           "candidate:1 1 udp 2  abc.local 9 typ host", "x candidate:1 1 udp 2 a.local 9 typ host",
           "1 1 udp 2 abc.local 9 typ host", "candidate:1 1 udp 2 abc.local" })
    EXPECT_FALSE (mdns::candidate_address (bad)) << bad;
}

/* ---- the resolver, against a responder of the test's own ---- */

namespace {

/* A UDP responder on 127.0.0.1: it reads every query and sends what the
 * test says, from its own port (the resolver's "mDNS port"). */
class Responder {
public:
  /* For each query: the messages to send back. */
  std::function<std::vector<std::vector<uint8_t>> (const std::string &name, uint16_t id)> reply;
  std::vector<std::string> queries; /* "A name" / "AAAA name" */

  explicit Responder (GMainContext *context)
  {
    socket_ = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
        nullptr);
    g_socket_set_blocking (socket_, FALSE);
    GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    GSocketAddress *address = g_inet_socket_address_new (lo, 0);
    EXPECT_TRUE (g_socket_bind (socket_, address, FALSE, nullptr));
    g_object_unref (address);
    g_object_unref (lo);
    source_ = g_socket_create_source (socket_, G_IO_IN, nullptr);
    g_source_set_callback (source_, (GSourceFunc) (GCallback) on_query, this, nullptr);
    g_source_attach (source_, context);
  }
  ~Responder ()
  {
    g_source_destroy (source_);
    g_source_unref (source_);
    g_object_unref (socket_);
  }
  guint16 port () const
  {
    GSocketAddress *address = g_socket_get_local_address (socket_, nullptr);
    guint16 port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
    g_object_unref (address);
    return port;
  }
  void send (const std::vector<uint8_t> &message, GSocketAddress *to)
  {
    g_socket_send_to (socket_, to, (const gchar *) message.data (), message.size (), nullptr,
        nullptr);
  }

private:
  static gboolean on_query (GSocket *socket, GIOCondition, gpointer data)
  {
    auto self = static_cast<Responder *> (data);
    guint8 buffer[512];
    GSocketAddress *from = nullptr;
    gssize n = g_socket_receive_from (socket, &from, (gchar *) buffer, sizeof buffer, nullptr,
        nullptr);
    if (n > 12) {
      /* The question: labels from offset 12 (ours are never compressed). */
      std::string name;
      size_t p = 12;
      while (p < (size_t) n && buffer[p] && p + 1 + buffer[p] <= (size_t) n) {
        name += (name.empty () ? "" : ".") + std::string ((char *) buffer + p + 1, buffer[p]);
        p += 1 + buffer[p];
      }
      uint16_t type = p + 2 < (size_t) n ? (uint16_t) ((buffer[p + 1] << 8) | buffer[p + 2]) : 0;
      self->queries.push_back ((type == mdns::TYPE_AAAA ? "AAAA " : "A ") + name);
      if (self->reply)
        for (const auto &message : self->reply (name, (uint16_t) ((buffer[0] << 8) | buffer[1])))
          self->send (message, from);
    }
    g_clear_object (&from);
    return G_SOURCE_CONTINUE;
  }

  GSocket *socket_;
  GSource *source_;
};

class MdnsResolverTest : public ::testing::Test {
protected:
  GMainContext *context = g_main_context_new ();
  std::unique_ptr<Responder> owned_responder = std::make_unique<Responder> (context);
  Responder &responder = *owned_responder;

  ~MdnsResolverTest () override
  {
    owned_responder.reset ();
    g_main_context_unref (context);
  }

  MdnsResolver::Options options (guint timeout_ms = 600)
  {
    MdnsResolver::Options o;
    o.group = "127.0.0.1";
    o.port = responder.port ();
    o.bind_address = "127.0.0.1";
    o.bind_port = 0;
    o.timeout_ms = timeout_ms;
    o.retransmit_ms = 200;
    return o;
  }

  /* Runs the context until done () or timeout_ms. */
  bool run_until (const std::function<bool ()> &done, guint timeout_ms = 3000)
  {
    gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
    while (!done () && g_get_monotonic_time () < deadline) {
      if (!g_main_context_iteration (context, FALSE))
        g_usleep (1000);
    }
    return done ();
  }
};

struct Outcome {
  bool called = false;
  int calls = 0;
  MdnsResolver::Result result;
};

MdnsResolver::Callback
record (Outcome *outcome)
{
  return [outcome] (const std::string &, const MdnsResolver::Result &result) {
    outcome->called = true;
    outcome->calls++;
    outcome->result = result;
  };
}

} // namespace

TEST_F (MdnsResolverTest, ResolvesOnceThenFromItsCache)
{
  responder.reply = [] (const std::string &name, uint16_t) {
    return std::vector<std::vector<uint8_t>> { answer_for (name) };
  };
  MdnsResolver resolver (context, options ());
  Outcome first, second, joined;
  std::string error;
  ASSERT_TRUE (resolver.resolve (NAME, record (&first), &error)) << error;
  ASSERT_TRUE (resolver.resolve (NAME, record (&joined), &error)) << error;
  EXPECT_FALSE (first.called); /* never from within resolve () */
  EXPECT_NE (resolver.local_port (), 0);
  ASSERT_TRUE (run_until ([&] { return first.called && joined.called; }));
  ASSERT_EQ (first.result.addresses.size (), 1u);
  EXPECT_EQ (first.result.addresses[0].to_string (), "10.1.2.3");
  EXPECT_FALSE (first.result.cached);
  EXPECT_EQ (joined.result.addresses.size (), 1u);
  EXPECT_EQ (resolver.pending (), 0u);
  EXPECT_EQ (resolver.local_port (), 0); /* the socket is closed when idle */

  /* The same name in other case: from the cache. */
  ASSERT_TRUE (
      resolver.resolve (NAME.substr (0, NAME.size () - 5) + "LOCAL", record (&second), &error));
  ASSERT_TRUE (run_until ([&] { return second.called; }));
  EXPECT_TRUE (second.result.cached);
  ASSERT_EQ (second.result.addresses.size (), 1u);
  EXPECT_EQ (responder.queries, (std::vector<std::string> { "A " + NAME, "AAAA " + NAME }));
  EXPECT_EQ (first.calls + joined.calls + second.calls, 3);
}

TEST_F (MdnsResolverTest, HostileRepliesAreIgnored)
{
  responder.reply = [] (const std::string &name, uint16_t id) {
    auto wrong_id =
        Message ((uint16_t) (id + 1), 0x8400, 0, 1, 0, 0).name (name).record (1, { 10, 6, 6, 6 });
    auto loop = Message (0, 0x8400, 0, 1, 0, 0).pointer (12).record (1, { 10, 6, 6, 6 });
    auto cut = answer_for (name, { 10, 6, 6, 6 });
    cut.pop_back ();
    return std::vector<std::vector<uint8_t>> { answer_for ("x" + name, { 10, 6, 6, 6 }),
      answer_for (name, { 127, 0, 0, 1 }), wrong_id.bytes, loop.bytes, cut,
      std::vector<uint8_t> (3, 0xff), answer_for (name) };
  };
  MdnsResolver resolver (context, options ());
  Outcome outcome;
  std::string error;
  ASSERT_TRUE (resolver.resolve (NAME, record (&outcome), &error)) << error;
  ASSERT_TRUE (run_until ([&] { return outcome.called; }));
  ASSERT_EQ (outcome.result.addresses.size (), 1u) << outcome.result.error;
  EXPECT_EQ (outcome.result.addresses[0].to_string (), "10.1.2.3");
}

TEST_F (MdnsResolverTest, AnswersFromAnotherPortAreIgnored)
{
  /* RFC 6762 6: a response must come from the mDNS port. */
  GSocket *other = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
      G_SOCKET_PROTOCOL_UDP, nullptr);
  MdnsResolver resolver (context, options ());
  responder.reply = [&] (const std::string &name, uint16_t) {
    GSocketAddress *to = g_inet_socket_address_new_from_string ("127.0.0.1",
        resolver.local_port ());
    auto message = answer_for (name);
    g_socket_send_to (other, to, (const gchar *) message.data (), message.size (), nullptr,
        nullptr);
    g_object_unref (to);
    return std::vector<std::vector<uint8_t>> {};
  };
  Outcome outcome;
  std::string error;
  ASSERT_TRUE (resolver.resolve (NAME, record (&outcome), &error)) << error;
  ASSERT_TRUE (run_until ([&] { return outcome.called; }));
  EXPECT_TRUE (outcome.result.addresses.empty ());
  EXPECT_NE (outcome.result.error.find ("no answer within 600 ms"), std::string::npos)
      << outcome.result.error;
  g_object_unref (other);
}

TEST_F (MdnsResolverTest, SilenceTimesOutAfterOneRetransmission)
{
  MdnsResolver resolver (context, options ());
  Outcome outcome;
  std::string error;
  gint64 start = g_get_monotonic_time ();
  ASSERT_TRUE (resolver.resolve (NAME, record (&outcome), &error)) << error;
  ASSERT_TRUE (run_until ([&] { return outcome.called; }));
  gint64 elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  EXPECT_GE (elapsed_ms, 590);
  EXPECT_LT (elapsed_ms, 2000);
  EXPECT_TRUE (outcome.result.addresses.empty ());
  EXPECT_FALSE (outcome.result.error.empty ());
  EXPECT_EQ (responder.queries.size (), 4u); /* A and AAAA, twice */
  /* The failure is remembered too: no new query. */
  Outcome again;
  ASSERT_TRUE (resolver.resolve (NAME, record (&again), &error));
  ASSERT_TRUE (run_until ([&] { return again.called; }));
  EXPECT_TRUE (again.result.cached);
  EXPECT_TRUE (again.result.addresses.empty ());
  EXPECT_EQ (responder.queries.size (), 4u);
}

TEST_F (MdnsResolverTest, PendingNamesAreBounded)
{
  MdnsResolver resolver (context, options ());
  std::vector<Outcome> outcomes (5);
  std::string error;
  for (int i = 0; i < 4; i++)
    ASSERT_TRUE (
        resolver.resolve ("n" + std::to_string (i) + ".local", record (&outcomes[i]), &error))
        << error;
  EXPECT_FALSE (resolver.resolve ("n4.local", record (&outcomes[4]), &error));
  EXPECT_NE (error.find ("4 names"), std::string::npos) << error;
  /* A name under way can still be waited for. */
  EXPECT_TRUE (resolver.resolve ("n0.local", record (&outcomes[4]), &error));
  EXPECT_FALSE (resolver.resolve ("10.1.2.3", record (&outcomes[4]), &error));
  EXPECT_EQ (resolver.pending (), 4u);
}

TEST_F (MdnsResolverTest, NoCallbackAfterTheResolverIsGone)
{
  responder.reply = [] (const std::string &name, uint16_t) {
    return std::vector<std::vector<uint8_t>> { answer_for (name) };
  };
  Outcome outcome, cached;
  {
    MdnsResolver resolver (context, options ());
    std::string error;
    ASSERT_TRUE (resolver.resolve (NAME, record (&outcome), &error)) << error;
    ASSERT_TRUE (run_until ([&] { return outcome.called; }));
    outcome = Outcome ();
    ASSERT_TRUE (resolver.resolve (NAME, record (&cached), &error)); /* posted, not yet run */
    ASSERT_TRUE (resolver.resolve ("other.local", record (&outcome), &error));
  }
  run_until ([] { return false; }, 300);
  EXPECT_FALSE (outcome.called);
  EXPECT_FALSE (cached.called);
}
