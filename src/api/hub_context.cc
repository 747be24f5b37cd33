#include "api/hub_context.h"

namespace edgeloop::api {

store::TimeMs HubContext::NowMs() const { return ToNanos(clock->Now()) / 1000000; }

}  // namespace edgeloop::api
