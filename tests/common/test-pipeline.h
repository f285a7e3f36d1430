/* Test helper: a pipeline from a launch line, torn down (to NULL) when it
 * goes out of scope, with bus helpers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>

namespace gstsig::test {

struct Pipeline {
  GstElement *pipeline = nullptr;

  explicit Pipeline (const std::string &description)
  {
    GError *error = nullptr;
    pipeline = gst_parse_launch (description.c_str (), &error);
    EXPECT_EQ (error, nullptr) << (error ? error->message : "");
    g_clear_error (&error);
  }
  ~Pipeline ()
  {
    if (pipeline) {
      gst_element_set_state (pipeline, GST_STATE_NULL);
      gst_object_unref (pipeline);
    }
  }
  Pipeline (const Pipeline &) = delete;
  Pipeline &operator= (const Pipeline &) = delete;

  /* (transfer full) */
  GstElement *get (const char *name) const
  {
    return gst_bin_get_by_name (GST_BIN (pipeline), name);
  }
  /* The next message of these types within timeout, or nullptr (transfer full). */
  GstMessage *wait (GstMessageType types, GstClockTime timeout = 15 * GST_SECOND) const
  {
    GstBus *bus = gst_element_get_bus (pipeline);
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, timeout, types);
    gst_object_unref (bus);
    return msg;
  }
  /* An error already on the bus, or nullptr (transfer full). */
  GstMessage *pop_error () const { return wait (GST_MESSAGE_ERROR, 0); }
  /* The serve-url of the webrtcsend named "s". */
  std::string serve_url () const
  {
    GstElement *send = get ("s");
    gchar *url = nullptr;
    g_object_get (send, "serve-url", &url, nullptr);
    gst_object_unref (send);
    std::string result = url ? url : "";
    g_free (url);
    return result;
  }
};

} // namespace gstsig::test
