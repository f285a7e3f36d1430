/* gst-webrtcsignal: what the WHIP (whip-client.cpp) and WHEP
 * (whep-client.cpp) signaller objects share as GObjects: their common
 * properties (uri, auth-token, timeout, trickle, resource-url), the trickle
 * enum, and the signaller interface calls forwarded to a WhipHttpClient.
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
  WHIP_PROP_LAST
};

#define WHIP_DEFAULT_TIMEOUT_S 10

struct WhipGlue {
  std::mutex lock; /* guards settings */
  WhipClientSettings settings;
  std::unique_ptr<WhipHttpClient> client; /* created in init, lives with the object */
};

void whip_glue_install_properties (GObjectClass *klass, const char *protocol);
/* False when prop_id is not a common one. */
bool whip_glue_set_property (WhipGlue &glue, guint prop_id, const GValue *value);
bool whip_glue_get_property (WhipGlue &glue, guint prop_id, GValue *value);

/* Each object keeps its WhipGlue as object data (whip_glue_attach); the
 * interface calls below find it there. role says what start asks for. */
void whip_glue_attach (GObject *object, WhipGlue *glue);
void whip_glue_iface_init (GstSigSignallerInterface *iface);

} // namespace gstsig
