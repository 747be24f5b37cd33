#include "common/sample.h"

namespace edgeloop {

std::string_view ChannelKindName(ChannelKind kind) {
  switch (kind) {
    case ChannelKind::kVibration:
      return "vibration";
    case ChannelKind::kTemperature:
      return "temperature";
  }
  return "unknown";
}

}  // namespace edgeloop
