/* gst-webrtcsignal: taking an element out of a running bin.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

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

} // namespace gstsig
