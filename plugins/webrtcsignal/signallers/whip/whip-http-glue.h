/* gst-webrtcsignal: what the WHIP (whip-client.cpp) and WHEP
 * (whep-client.cpp) signaller objects share as GObjects: their common
 * properties (uri, auth-token, timeout, trickle, resource-url, ca-file,
 * insecure-tls), the trickle
 * enum, the signaller interface calls forwarded to a WhipHttpClient, and
 * the rest of the GObject glue (init, finalize).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "signaller.h"
#include "whip-http-client.h"

#include <memory>
#include <mutex>

G_BEGIN_DECLS
#define GST_SIG_TYPE_WHIP_TRICKLE (gst_sig_whip_trickle_get_type ())
GType gst_sig_whip_trickle_get_type (void);
G_END_DECLS

namespace gstsig {

/* Property ids 1..WHIP_PROP_LAST-1; a type adds its own after. */
enum {
  WHIP_PROP_URI = 1,
  WHIP_PROP_AUTH_TOKEN,
  WHIP_PROP_TIMEOUT,
  WHIP_PROP_TRICKLE,
  WHIP_PROP_RESOURCE_URL,
  WHIP_PROP_CA_FILE,
  WHIP_PROP_INSECURE_TLS,
  WHIP_PROP_LAST
};

#define WHIP_DEFAULT_TIMEOUT_S 10

struct WhipGlue {
  std::mutex lock; /* guards settings */
  WhipClientSettings settings;
  std::unique_ptr<WhipHttpClient> client; /* created in init, lives with the object */
};

/* The instance struct of both client types (GstSigWhipClient in
 * whip-client.cpp, GstSigWhepClient in whep-client.cpp) derives from
 * WhipGlueObject, adding nothing:
 *   struct _GstSigWhipClient : gstsig::WhipGlueObject {};
 * Both derive from GstObject and are final. */
struct WhipGlueObject {
  GstObject parent;
  WhipGlue *glue; /* created in init, deleted in finalize */
};

/* The common properties (blurbs naming protocol, "WHIP" or "WHEP"), a
 * set/get_property for them, and finalize. A type with more properties
 * installs them after this and sets its own set/get_property, which hand
 * the common ones to whip_glue_set/get_property. */
void whip_glue_class_init (GObjectClass *klass, const char *protocol);
/* The signaller interface calls, forwarded to the glue's WhipHttpClient. */
void whip_glue_iface_init (GstSigSignallerInterface *iface);
/* role says what start asks for. */
void whip_glue_object_init (WhipGlueObject *self, WhipRole role);
/* False when prop_id is not a common one. */
bool whip_glue_set_property (WhipGlue &glue, guint prop_id, const GValue *value);
bool whip_glue_get_property (WhipGlue &glue, guint prop_id, GValue *value);

} // namespace gstsig
