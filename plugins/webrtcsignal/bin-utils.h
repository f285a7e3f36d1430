/* gst-webrtcsignal: taking an element out of a running bin; finding the
 * elements of a factory inside one; answering a caps query.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include <vector>

namespace gstsig {

/* Stops element and removes it from bin. Its state is locked first: a state
 * change of the bin running at the same time (the pipeline stopping while a
 * session ends) would otherwise set it back to PAUSED after we set it to
 * NULL, and it would be disposed outside NULL. */
inline void
discard_from_bin (GstBin *bin, GstElement *element)
{
  gst_element_set_locked_state (element, TRUE);
  gst_element_set_state (element, GST_STATE_NULL);
  gst_bin_remove (bin, element);
}

/* Answers a caps query with caps (taken) as narrowed by the query's filter. */
inline void
set_filtered_caps_result (GstQuery *query, GstCaps *caps)
{
  GstCaps *filter = nullptr;
  gst_query_parse_caps (query, &filter);
  if (filter) {
    GstCaps *both = gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (caps);
    caps = both;
  }
  gst_query_set_caps_result (query, caps);
  gst_caps_unref (caps);
}

/* Was element made by factory (e.g. "rtprtxsend")? */
inline bool
is_from_factory (GstElement *element, const char *factory)
{
  GstElementFactory *f = gst_element_get_factory (element);
  return f && g_strcmp0 (GST_OBJECT_NAME (f), factory) == 0;
}

/* The elements made by factory (e.g. "srtpdec") anywhere inside bin, each
 * with a reference the caller drops (the walk itself holds the bin's lock:
 * act on them after it). */
inline std::vector<GstElement *>
elements_of_factory (GstBin *bin, const char *factory)
{
  std::vector<GstElement *> found;
  GstIterator *it = gst_bin_iterate_recurse (bin);
  GValue item = G_VALUE_INIT;
  for (bool done = false; !done;) {
    switch (gst_iterator_next (it, &item)) {
      case GST_ITERATOR_OK: {
        auto e = GST_ELEMENT (g_value_get_object (&item));
        if (is_from_factory (e, factory))
          found.push_back (GST_ELEMENT (gst_object_ref (e)));
        g_value_reset (&item);
        break;
      }
      case GST_ITERATOR_RESYNC:
        for (GstElement *e : found)
          gst_object_unref (e);
        found.clear ();
        gst_iterator_resync (it);
        break;
      default:
        done = true;
        break;
    }
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return found;
}

} // namespace gstsig
