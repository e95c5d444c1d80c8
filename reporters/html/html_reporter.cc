#include "reporters/html/html_reporter.h"

#include <string>

#include "core/atomic_file.h"
#include "core/registry.h"
#include "reporters/common/sampling_bound.h"
#include "reporters/html/html_page.h"
#include "reporters/html/script_json.h"

namespace tidemark {
namespace {

void Key(const char* key, std::string* out) {
  if (out->back() != '{') out->push_back(',');
  AppendScriptJsonString(key, out);
  out->push_back(':');
}

void StringMember(const char* key, const std::string& value, std::string* out) {
  Key(key, out);
  AppendScriptJsonString(value, out);
}

void IntMember(const char* key, long long value, std::string* out) {
  Key(key, out);
  AppendJsonInt(value, out);
}

void AppendFacts(const Profile& profile, std::string* out) {
  out->push_back('{');
  Key("command", out);
  out->push_back('[');
  for (size_t i = 0; i < profile.command.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendScriptJsonString(profile.command[i], out);
  }
  out->push_back(']');
  StringMember("mode", profile.mode, out);
  IntMember("sample_interval_bytes", profile.sample_interval_bytes, out);
  StringMember("reason", profile.reason, out);
  StringMember("ended", profile.ended, out);
  IntMember("final_report", profile.final_report ? 1 : 0, out);
  IntMember("has_exit_code", profile.has_exit_code ? 1 : 0, out);
  IntMember("exit_code", profile.exit_code, out);
  IntMember("pid", profile.pid, out);
  StringMember("working_directory", profile.working_directory, out);
  Key("wall_seconds", out);
  AppendJsonNumber(profile.wall_seconds, out);
  IntMember("peak_bytes", profile.peak_bytes, out);
  IntMember("peak_bound", PeakBytesBound(profile), out);
  Key("peak_seconds", out);
  AppendJsonNumber(profile.peak_seconds, out);
  IntMember("current_bytes", profile.current_bytes, out);
  IntMember("rss_hwm_bytes", profile.rss_hwm_bytes, out);
  IntMember("tracked_allocations", profile.tracked_allocations, out);
  IntMember("out_of_memory", profile.out_of_memory ? 1 : 0, out);
  StringMember("oom_reason", profile.oom_reason, out);
  out->push_back('}');
}

}  // namespace

std::string HtmlDataJson(const Profile& profile, const HtmlData& data) {
  std::string out = "{";
  Key("facts", &out);
  AppendFacts(profile, &out);

  Key("frames", &out);
  out.push_back('[');
  for (size_t i = 0; i < data.frames.size(); ++i) {
    const HtmlFrame& frame = data.frames[i];
    if (i > 0) out.push_back(',');
    out.push_back('[');
    AppendScriptJsonString(frame.function, &out);
    out.push_back(',');
    AppendScriptJsonString(frame.file, &out);
    out.push_back(',');
    AppendJsonInt(frame.line, &out);
    out.push_back(',');
    AppendScriptJsonString(OriginName(frame.origin), &out);
    out += frame.import_machinery ? ",1," : ",0,";
    AppendScriptJsonString(frame.source, &out);
    out.push_back(']');
  }
  out.push_back(']');

  Key("stacks", &out);
  out.push_back('[');
  for (size_t i = 0; i < data.stacks.size(); ++i) {
    const HtmlStack& stack = data.stacks[i];
    if (i > 0) out.push_back(',');
    out.push_back('[');
    AppendJsonInt(stack.bytes, &out);
    out.push_back(',');
    AppendJsonInt(stack.allocations, &out);
    out += ",[";
    for (size_t j = 0; j < stack.frames.size(); ++j) {
      if (j > 0) out.push_back(',');
      AppendJsonInt(stack.frames[j], &out);
    }
    out += "]]";
  }
  out.push_back(']');

  IntMember("total_stacks", data.total_stacks, &out);
  IntMember("stack_bytes", data.stack_bytes, &out);
  Key("folded", &out);
  out.push_back('{');
  IntMember("stacks", data.folded_stacks, &out);
  IntMember("bytes", data.folded_bytes, &out);
  out.push_back('}');

  Key("top_lines", &out);
  out.push_back('[');
  for (size_t i = 0; i < data.top_lines.size(); ++i) {
    const HtmlLine& line = data.top_lines[i];
    if (i > 0) out.push_back(',');
    out.push_back('[');
    AppendJsonInt(line.frame, &out);
    out.push_back(',');
    AppendJsonInt(line.context, &out);
    out.push_back(',');
    AppendJsonInt(line.bytes, &out);
    out.push_back(',');
    AppendJsonInt(line.allocations, &out);
    out.push_back(',');
    AppendJsonInt(line.bound, &out);
    out.push_back(']');
  }
  out.push_back(']');

  Key("timeline", &out);
  out.push_back('[');
  for (size_t i = 0; i < profile.timeline.size(); ++i) {
    const TimelinePoint& point = profile.timeline[i];
    if (i > 0) out.push_back(',');
    out.push_back('[');
    AppendJsonNumber(point.seconds, &out);
    out.push_back(',');
    AppendJsonInt(point.tracked_bytes, &out);
    out.push_back(',');
    AppendJsonInt(point.rss_bytes, &out);
    out.push_back(']');
  }
  out.push_back(']');
  out.push_back('}');
  return out;
}

std::string RenderHtmlPage(const Profile& profile) {
  const HtmlData data = BuildHtmlData(profile, /*read_sources=*/true);
  std::string page = kHtmlPageHead;
  page += "<script type=\"application/json\" id=\"";
  page += kHtmlDataElementId;
  page += "\">";
  page += HtmlDataJson(profile, data);
  page += "</script>\n";
  page += kHtmlPageTail;
  return page;
}

bool HtmlReporter::Write(const Profile& profile,
                         const ReportDirectory& directory, std::string* error) {
  return WriteFileAtomically(directory, kHtmlFileName, RenderHtmlPage(profile),
                             error);
}

TIDEMARK_REGISTER_REPORTER("html", HtmlReporter)

}  // namespace tidemark
