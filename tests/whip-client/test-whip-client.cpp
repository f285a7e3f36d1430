/* The WHIP client (webrtcsend uri=whip+http://...) against a scriptable
 * WHIP server (libsoup, in this process) whose media side is a real
 * webrtcbin: media received, trickle PATCHes with the ETag, the fallback
 * when the server refuses them, redirects and the bearer token across
 * them. Runs inside a loopback-only network namespace (run-in-netns.sh).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "whip-client-fixture.h"

TEST (WhipClient, PublishesAndTricklesWithTheEtagAndToken)
{
  WhipSetup setup;
  setup.server.script.required_token = "s3cret";
  ASSERT_TRUE (setup.server.start ());
  {
    Pipeline p (publisher (setup.server.uri ()));
  set_signaller (p, "auth-token", "s3cret");
    ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    EXPECT_TRUE (setup.wait_media ()) << "the WHIP server's webrtcbin received "
                                      << setup.receiver.buffers << " RTP buffers";
    GstMessage *error = p.pop_error ();
    EXPECT_EQ (error, nullptr) << error_text (error);
    if (error)
      gst_message_unref (error);
    EXPECT_EQ (resource_url (p), setup.server.base () + "/session/1");

    auto posts = setup.server.with_method ("POST");
    ASSERT_EQ (posts.size (), 1u);
    EXPECT_EQ (posts[0].content_type, "application/sdp");
    EXPECT_NE (posts[0].body.find ("a=sendonly"), std::string::npos) << posts[0].body;
    EXPECT_EQ (posts[0].body.find ("a=candidate"), std::string::npos)
        << "trickle=auto: candidates go with PATCH, not in the offer";

    /* Every candidate trickled, then end-of-candidates, all with the ETag. */
    ASSERT_TRUE (setup.server.wait_for ([&] {
      auto patches = setup.server.with_method ("PATCH");
      return !patches.empty () && patches.back ().body.find ("a=end-of-candidates") != std::string::npos;
    })) << "no end-of-candidates PATCH";
    GstSDPMessage *offer = nullptr;
    gst_sdp_message_new_from_text (posts[0].body.c_str (), &offer);
    std::string ufrag, pwd;
    ASSERT_TRUE (gstsig::sdp_ice_credentials (offer, &ufrag, &pwd));
    gst_sdp_message_free (offer);
    unsigned candidates = 0;
    for (const HttpExchange &patch : setup.server.with_method ("PATCH")) {
      EXPECT_EQ (patch.content_type, "application/trickle-ice-sdpfrag");
      EXPECT_EQ (patch.if_match, "\"ice-1\"");
      gstsig::SdpFrag frag;
      std::string parse_error;
      ASSERT_TRUE (gstsig::sdpfrag_parse (patch.body, &frag, &parse_error)) << parse_error;
      EXPECT_EQ (frag.ice_ufrag, ufrag);
      EXPECT_EQ (frag.ice_pwd, pwd);
      for (const auto &c : frag.candidates) {
        EXPECT_EQ (c.mid, "video0") << "bundled: candidates belong to the first m-line";
        EXPECT_EQ (c.candidate.rfind ("candidate:", 0), 0u) << c.candidate;
      }
      candidates += frag.candidates.size ();
    }
    EXPECT_GE (candidates, 1u);
    EXPECT_EQ (setup.receiver.trickled.load (), candidates);
    for (const HttpExchange &e : setup.server.exchanges ())
      EXPECT_EQ (e.authorization, "Bearer s3cret") << e.method << " " << e.path;
    EXPECT_TRUE (setup.server.with_method ("DELETE").empty ());
  }
  /* Stopping the pipeline ends the session on the server. */
  auto deletes = setup.server.with_method ("DELETE");
  ASSERT_EQ (deletes.size (), 1u);
  EXPECT_EQ (deletes[0].path, "/session/1");
  EXPECT_EQ (deletes[0].authorization, "Bearer s3cret");
}

/* A server that does not trickle (405): no more PATCH, media still flows
 * (the server learns our address from our checks); the next session to it
 * sends every candidate in the offer. */
TEST (WhipClient, FallsBackToFullGatheringWhenPatchIsRefused)
{
  WhipSetup setup;
  setup.server.script.patch_status = 405;
  ASSERT_TRUE (setup.server.start ());
  {
    Pipeline p (publisher (setup.server.uri ()));
    ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    EXPECT_TRUE (setup.wait_media ());
    EXPECT_EQ (setup.server.with_method ("PATCH").size (), 1u) << "one refused PATCH, then none";
    GstMessage *error = p.pop_error ();
    EXPECT_EQ (error, nullptr) << error_text (error);
    if (error)
      gst_message_unref (error);
  }
  EXPECT_EQ (setup.server.with_method ("DELETE").size (), 1u);

  WebrtcbinReceiver second;
  setup.server.on_post = [&] (const std::string &offer) { return second.answer (offer); };
  {
    Pipeline p (publisher (setup.server.uri ()));
    ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    EXPECT_TRUE (setup.server.wait_for ([&] { return second.buffers >= 100; }, 20));
    auto posts = setup.server.with_method ("POST");
    ASSERT_EQ (posts.size (), 2u);
    EXPECT_GE (count_lines (posts[1].body, "a=candidate:"), 1) << posts[1].body;
    EXPECT_NE (posts[1].body.find ("a=end-of-candidates"), std::string::npos);
    EXPECT_EQ (setup.server.with_method ("PATCH").size (), 1u) << "no PATCH the second time";
  }
}

TEST (WhipClient, TrickleOffPutsEveryCandidateInTheOffer)
{
  WhipSetup setup;
  ASSERT_TRUE (setup.server.start ());
  Pipeline p (publisher (setup.server.uri ()));
  set_signaller (p, "trickle", "off");
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  EXPECT_TRUE (setup.wait_media (50));
  auto posts = setup.server.with_method ("POST");
  ASSERT_EQ (posts.size (), 1u);
  EXPECT_GE (count_lines (posts[0].body, "a=candidate:"), 1) << posts[0].body;
  EXPECT_NE (posts[0].body.find ("a=end-of-candidates"), std::string::npos);
  EXPECT_TRUE (setup.server.with_method ("PATCH").empty ());
}

TEST (WhipClient, TrickleOnMakesARefusalAnError)
{
  WhipSetup setup;
  setup.server.script.patch_status = 501;
  ASSERT_TRUE (setup.server.start ());
  Pipeline p (publisher (setup.server.uri ()));
  set_signaller (p, "trickle", "on");
  SignallerErrors errors (p);
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstMessage *msg = p.wait (GST_MESSAGE_ERROR);
  std::string text = error_text (msg);
  EXPECT_NE (text.find ("501"), std::string::npos) << text;
  EXPECT_NE (text.find ("trickle"), std::string::npos) << text;
  EXPECT_EQ (errors.code, GST_RESOURCE_ERROR_FAILED);
  if (msg)
    gst_message_unref (msg);
}

/* 307 to another path; the session's relative Location is resolved against
 * where the POST ended up. Same origin: the token goes along. */
TEST (WhipClient, FollowsRedirectsAndResolvesLocation)
{
  WhipSetup setup;
  setup.server.script.redirect_to = "/v2/whip";
  setup.server.script.location = "session/7";
  setup.server.script.required_token = "s3cret";
  ASSERT_TRUE (setup.server.start ());
  {
    Pipeline p (publisher (setup.server.uri ()));
    set_signaller (p, "auth-token", "s3cret");
    ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    ASSERT_TRUE (setup.server.wait_requests ("PATCH", 1));
    EXPECT_EQ (resource_url (p), setup.server.base () + "/v2/session/7");
    auto posts = setup.server.with_method ("POST");
    ASSERT_EQ (posts.size (), 2u);
    EXPECT_EQ (posts[0].path, "/whip");
    EXPECT_EQ (posts[1].path, "/v2/whip");
    EXPECT_EQ (posts[1].body, posts[0].body) << "the offer is sent again, not dropped";
    EXPECT_EQ (setup.server.with_method ("PATCH")[0].path, "/v2/session/7");
    EXPECT_TRUE (setup.wait_media (30));
  }
  ASSERT_EQ (setup.server.with_method ("DELETE").size (), 1u);
  EXPECT_EQ (setup.server.with_method ("DELETE")[0].path, "/v2/session/7");
  for (const HttpExchange &e : setup.server.exchanges ())
    EXPECT_EQ (e.authorization, "Bearer s3cret") << e.method << " " << e.path;
}

/* 307 to another origin (another port: a second server): the token is not
 * sent there, neither with the POST nor to the session it creates there,
 * like curl; the session still works. */
TEST (WhipClient, RedirectToAnotherOriginDropsTheToken)
{
  WhipSetup other; /* the redirect's target: takes no token */
  other.server.script.location = "session/9";
  ASSERT_TRUE (other.server.start ());
  WhipTestServer first;
  first.script.required_token = "s3cret";
  first.script.redirect_to = other.server.base () + "/whip";
  ASSERT_TRUE (first.start ());
  ASSERT_NE (first.port (), other.server.port ());
  {
    Pipeline p (publisher (first.uri ()));
    set_signaller (p, "auth-token", "s3cret");
    ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    ASSERT_TRUE (other.server.wait_requests ("PATCH", 1));
    EXPECT_EQ (resource_url (p), other.server.base () + "/session/9");
    EXPECT_TRUE (other.wait_media (30));
    GstMessage *error = p.pop_error ();
    EXPECT_EQ (error, nullptr) << error_text (error);
    if (error)
      gst_message_unref (error);
  }
  auto posts = first.with_method ("POST");
  ASSERT_EQ (posts.size (), 1u);
  EXPECT_EQ (posts[0].authorization, "Bearer s3cret");
  for (const HttpExchange &e : first.exchanges ())
    EXPECT_EQ (e.authorization, "Bearer s3cret") << e.method << " " << e.path;
  ASSERT_EQ (other.server.with_method ("POST").size (), 1u);
  ASSERT_EQ (other.server.with_method ("DELETE").size (), 1u);
  for (const HttpExchange &e : other.server.exchanges ())
    EXPECT_EQ (e.authorization, "") << "the token went to another origin: " << e.method << " "
                                    << e.path;
}

