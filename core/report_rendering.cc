#include "core/report_rendering.h"

namespace tidemark {

bool RenderReports(
    const Profile& profile,
    const std::vector<std::pair<std::string, Reporter*>>& reporters,
    const ReportDirectory& dir, std::string* failures) {
  failures->clear();
  bool ok = true;
  for (const auto& [name, reporter] : reporters) {
    std::string why;
    if (reporter->Write(profile, dir, &why)) continue;
    if (!failures->empty()) *failures += "; ";
    *failures += "reporter '" + name + "' failed: " + why;
    ok = false;
  }
  return ok;
}

}  // namespace tidemark
