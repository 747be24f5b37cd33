#include "api/hub_context.h"

namespace edgeloop::api {

store::TimeMs HubContext::NowMs() const { return ToUnixMillis(clock->Now()); }

}  // namespace edgeloop::api
