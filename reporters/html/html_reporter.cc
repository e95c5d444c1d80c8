#include "reporters/html/html_reporter.h"

#include <initializer_list>
#include <string>
#include <vector>

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

void NumberMember(const char* key, double value, std::string* out) {
  Key(key, out);
  AppendJsonNumber(value, out);
}

// The values, comma separated (a row's numbers, or a stack's frames).
template <typename Ints>
void AppendInts(const Ints& values, std::string* out) {
  bool first = true;
  for (const long long value : values) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonInt(value, out);
  }
}

void AppendInts(std::initializer_list<long long> values, std::string* out) {
  AppendInts<std::initializer_list<long long>>(values, out);
}

// `key` and an array holding one array per item, whose contents
// `append_row` writes (the page's frames, stacks, top lines and timeline).
template <typename Item, typename AppendRow>
void RowsMember(const char* key, const std::vector<Item>& items,
                AppendRow append_row, std::string* out) {
  Key(key, out);
  out->push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->push_back('[');
    append_row(items[i]);
    out->push_back(']');
  }
  out->push_back(']');
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
  StringMember("python_version", profile.python_version, out);
  NumberMember("wall_seconds", profile.wall_seconds, out);
  IntMember("peak_bytes", profile.peak_bytes, out);
  IntMember("peak_bound", PeakBytesBound(profile), out);
  NumberMember("peak_seconds", profile.peak_seconds, out);
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

  RowsMember(
      "frames", data.frames,
      [&out](const HtmlFrame& frame) {
        AppendScriptJsonString(frame.function, &out);
        out.push_back(',');
        AppendScriptJsonString(frame.file, &out);
        out.push_back(',');
        AppendJsonInt(frame.line, &out);
        out.push_back(',');
        AppendScriptJsonString(OriginName(frame.origin), &out);
        out += frame.import_machinery ? ",1," : ",0,";
        AppendScriptJsonString(frame.source, &out);
      },
      &out);

  RowsMember(
      "stacks", data.stacks,
      [&out](const HtmlStack& stack) {
        AppendInts({stack.bytes, stack.allocations}, &out);
        out += ",[";
        AppendInts(stack.frames, &out);
        out.push_back(']');
      },
      &out);

  IntMember("total_stacks", data.total_stacks, &out);
  IntMember("stack_bytes", data.stack_bytes, &out);
  Key("folded", &out);
  out.push_back('{');
  IntMember("stacks", data.folded_stacks, &out);
  IntMember("bytes", data.folded_bytes, &out);
  out.push_back('}');

  RowsMember(
      "top_lines", data.top_lines,
      [&out](const HtmlLine& line) {
        AppendInts({line.frame, line.context, line.bytes, line.allocations,
                    line.bound},
                   &out);
      },
      &out);

  RowsMember(
      "timeline", profile.timeline,
      [&out](const TimelinePoint& point) {
        AppendJsonNumber(point.seconds, &out);
        out.push_back(',');
        AppendInts({point.tracked_bytes, point.rss_bytes}, &out);
      },
      &out);
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
