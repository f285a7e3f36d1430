/* Test helper: a pipeline from a launch line, torn down (to NULL) when it
 * goes out of scope, with bus helpers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gstsig::test {

/* The first element, in bin or any bin inside, that factory_name made, or
 * nullptr (transfer full). Safe while elements come and go: the search
 * starts again when the bin changes under it. */
inline GstElement *
find_in_bin (GstBin *bin, const char *factory_name)
{
  GstIterator *it = gst_bin_iterate_recurse (bin);
  GValue found = G_VALUE_INIT;
  GstElement *element = nullptr;
  if (gst_iterator_find_custom (it, (GCompareFunc) +[] (const GValue *item, const char *name) {
        GstElementFactory *factory =
            gst_element_get_factory (GST_ELEMENT (g_value_get_object (item)));
        return factory && g_str_equal (GST_OBJECT_NAME (factory), name) ? 0 : 1;
      }, &found, (gpointer) factory_name)) {
    element = GST_ELEMENT (g_value_dup_object (&found));
    g_value_unset (&found);
  }
  gst_iterator_free (it);
  return element;
}

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
  /* The first element, in any bin inside, that factory_name made, or
   * nullptr (transfer full). */
  GstElement *find_by_factory (const char *factory_name) const
  {
    return find_in_bin (GST_BIN (pipeline), factory_name);
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
  /* Sets a property of the signaller of the element named element. Not as
   * signaller::NAME=VALUE in the launch line: that path leaves one reference
   * on the signaller, which the leaks tracer would report. */
  void set_signaller (const char *element, const char *name, const char *value) const
  {
    GstElement *e = get (element);
    GObject *signaller = nullptr;
    g_object_get (e, "signaller", &signaller, nullptr);
    gst_util_set_object_arg (signaller, name, value);
    g_object_unref (signaller);
    gst_object_unref (e);
  }
  /* Takes the errors and warnings on the bus now: each error fails the
   * test; returns the warnings' texts. */
  std::vector<std::string> take_warnings_failing_on_errors () const
  {
    std::vector<std::string> warnings;
    auto types = (GstMessageType) (GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
    while (GstMessage *msg = wait (types, 0)) {
      GError *e = nullptr;
      if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
        gst_message_parse_error (msg, &e, nullptr);
        ADD_FAILURE () << e->message;
      } else {
        gst_message_parse_warning (msg, &e, nullptr);
        warnings.emplace_back (e->message);
      }
      g_error_free (e);
      gst_message_unref (msg);
    }
    return warnings;
  }
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
