/* gst-webrtcsignal: what webrtcrecv puts behind each received stream. The
 * caps downstream accepts decide: encoded media (depayloaded and parsed, to
 * record without re-encoding), decoded raw media, or the RTP itself.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "codecs.h"

#include <gst/gst.h>

#include <string>

namespace gstsig {

enum class OutputForm { Encoded, Raw, Rtp };

const char *output_form_name (OutputForm form);

/* Encoded when downstream takes it (or takes anything), else raw, else RTP. */
OutputForm choose_output_form (const Codec &codec, const GstCaps *downstream);

/* A bin with "sink" (RTP in) and "src" ghost pads (transfer floating), or
 * nullptr with *error naming the missing element. Depayloaders wait for a
 * keyframe and ask for one, so a recording starts promptly. H264 keeps its
 * parameter sets in band (avc3) when downstream takes that, so a muxer
 * survives the resolution changes of a browser ramping up. With
 * diagnostics, an rtpdiag measures the RTP first. */
GstElement *make_output_chain (const Codec &codec, OutputForm form, const GstCaps *downstream,
    bool diagnostics, std::string *error);

/* The rtpdiag of a chain made with diagnostics, or nullptr (transfer full). */
GstElement *output_chain_diagnostics (GstElement *chain);

} // namespace gstsig
