/* plain-producer: what the plain producers of bench/ (plain-sender,
 * plain-file-sender) share: one encoded stream, a tee, and per viewer
 *
 *   tee. ! queue ! PAYLOADER ! capsfilter ! webrtcbin (max-bundle, sendonly)
 *
 * offered on startSession, torn down on endSession, with the signalling of
 * plain-signalling.h. Deliberately plain, and independent of
 * libgstwebrtcsignal.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct {
  const char *program;   /* as given to plain_init, for the error on stderr */
  const char *name;      /* meta name announced */
  const char *payloader; /* element factory, e.g. "rtpvp8pay" */
  /* Sets the payloader's properties (pt and the like). */
  void (*setup_payloader) (GstElement *pay);
  const char *rtp_caps;  /* of the capsfilter after the payloader */
} PlainProducer;

/* Launches desc, which must end in "tee name=t allow-not-linked=true", and
 * serves every viewer the signalling server at url sends until plain_run ()
 * returns. Returns the exit code: plain_run ()'s, or 1 when desc does not
 * launch. */
int plain_producer_run (const PlainProducer *producer, const char *url, const char *desc);

G_END_DECLS
