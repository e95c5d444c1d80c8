#include "core/report_rendering.h"

#include <memory>

#include "core/registry.h"

namespace tidemark {

std::vector<std::string> LinkedReportFileNames() {
  std::vector<std::string> names;
  for (int i = 0; i < ReporterRegistry::size(); ++i) {
    std::unique_ptr<Reporter> reporter(ReporterRegistry::at(i).factory());
    if (reporter == nullptr) continue;
    for (std::string& name : reporter->FileNames()) {
      names.push_back(std::move(name));
    }
  }
  return names;
}

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
