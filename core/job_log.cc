#include "core/job_log.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace tidemark {
namespace {

constexpr char kNoFolder[] = "-";
constexpr char kDropped[] = "...";
constexpr const char* kEndings[] = {"exit", "signal", "exec", "oom-exit"};

// Writes into a fixed buffer, refusing (and remembering it) whatever would
// pass its end. No allocation.
class LineWriter {
 public:
  LineWriter(char* buffer, size_t capacity)
      : buffer_(buffer),
        capacity_(capacity < kJobLogMaxLine ? capacity : kJobLogMaxLine) {}

  size_t size() const { return size_; }
  size_t room() const { return capacity_ - size_; }
  bool ok() const { return ok_; }

  void Bytes(const char* data, size_t n) {
    if (!ok_ || n > room()) {
      ok_ = false;
      return;
    }
    memcpy(buffer_ + size_, data, n);
    size_ += n;
  }
  void Text(const char* text) { Bytes(text, strlen(text)); }
  void Char(char c) { Bytes(&c, 1); }
  void Tab() { Char('\t'); }

  void Unsigned(uint64_t value) {
    char digits[20];
    size_t n = 0;
    do {
      digits[n++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0);
    char text[20];
    for (size_t i = 0; i < n; ++i) text[i] = digits[n - 1 - i];
    Bytes(text, n);
  }
  void Signed(int64_t value) {
    if (value < 0) {
      Char('-');
      // Negating in unsigned arithmetic: INT64_MIN has no positive twin.
      Unsigned(0 - static_cast<uint64_t>(value));
    } else {
      Unsigned(static_cast<uint64_t>(value));
    }
  }

  // `text` escaped (see job_log.h).
  void Field(const char* text) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (const char* p = text; *p != '\0' && ok_; ++p) {
      const unsigned char c = static_cast<unsigned char>(*p);
      if (c == '\\') {
        Bytes("\\\\", 2);
      } else if (c == '\t') {
        Bytes("\\t", 2);
      } else if (c == '\n') {
        Bytes("\\n", 2);
      } else if (c < 0x20 || c == 0x7f) {
        const char escaped[4] = {'\\', 'x', kHex[c >> 4], kHex[c & 0xf]};
        Bytes(escaped, 4);
      } else {
        Char(static_cast<char>(c));
      }
    }
  }

 private:
  char* buffer_;
  size_t capacity_;
  size_t size_ = 0;
  bool ok_ = true;
};

void FolderField(LineWriter* line, const char* folder) {
  if (folder[0] == '\0') {
    line->Text(kNoFolder);
  } else {
    line->Field(folder);
  }
}

// The length of `text` once escaped (LineWriter::Field).
size_t EscapedLength(const char* text) {
  size_t length = 0;
  for (const char* p = text; *p != '\0'; ++p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c == '\\' || c == '\t' || c == '\n') {
      length += 2;
    } else if (c < 0x20 || c == 0x7f) {
      length += 4;
    } else {
      length += 1;
    }
  }
  return length;
}

const char* Arg(const JobLogStart& start, int i) {
  return start.argv[i] == nullptr ? "" : start.argv[i];
}

// An argument: escaped, and "..." spelled "\x2e.." so that a bare "..."
// only ever means "dropped".
constexpr char kDottedArg[] = "\\x2e..";

void ArgField(LineWriter* line, const char* arg) {
  if (strcmp(arg, kDropped) == 0) {
    line->Text(kDottedArg);
  } else {
    line->Field(arg);
  }
}

size_t ArgLength(const char* arg) {
  return strcmp(arg, kDropped) == 0 ? sizeof(kDottedArg) - 1
                                    : EscapedLength(arg);
}

// The file opened for one append: a regular file of the effective user's,
// or -1. O_NONBLOCK: a FIFO planted under the name must not block the
// writer (its open fails at once without a reader; a regular file ignores
// the flag).
int CheckedLog(int fd) {
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
    close(fd);
    return -1;
  }
  return fd;
}

bool WriteLine(int fd, const char* line, size_t length) {
  if (fd < 0) return false;
  ssize_t written;
  do {
    written = write(fd, line, length);
  } while (written < 0 && errno == EINTR);
  close(fd);
  // A short write cannot be completed by a second one: another process's
  // line may already follow it.
  return written == static_cast<ssize_t>(length);
}

bool UsableLine(const char* line, size_t length) {
  return line != nullptr && length > 0 && length <= kJobLogMaxLine &&
         line[length - 1] == '\n';
}

constexpr int kAppendFlags =
    O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;

// --- Parsing.

std::vector<std::string> SplitRaw(const std::string& line) {
  std::vector<std::string> fields;
  size_t from = 0;
  while (true) {
    const size_t tab = line.find('\t', from);
    if (tab == std::string::npos) {
      fields.push_back(line.substr(from));
      return fields;
    }
    fields.push_back(line.substr(from, tab - from));
    from = tab + 1;
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool Unescape(const std::string& raw, std::string* out) {
  out->clear();
  for (size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (i + 1 >= raw.size()) return false;
    const char kind = raw[++i];
    if (kind == '\\') {
      out->push_back('\\');
    } else if (kind == 't') {
      out->push_back('\t');
    } else if (kind == 'n') {
      out->push_back('\n');
    } else if (kind == 'x') {
      if (i + 2 >= raw.size()) return false;
      const int high = HexDigit(raw[i + 1]);
      const int low = HexDigit(raw[i + 2]);
      if (high < 0 || low < 0) return false;
      out->push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      return false;
    }
  }
  return true;
}

bool ParseUnsigned(const std::string& text, uint64_t max, uint64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (max - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *out = value;
  return true;
}

bool ParseSigned(const std::string& text, int64_t min, int64_t max,
                 int64_t* out) {
  const bool negative = !text.empty() && text[0] == '-';
  uint64_t magnitude = 0;
  const uint64_t limit =
      negative ? 0 - static_cast<uint64_t>(min) : static_cast<uint64_t>(max);
  if (!ParseUnsigned(negative ? text.substr(1) : text, limit, &magnitude)) {
    return false;
  }
  *out = negative ? static_cast<int64_t>(0 - magnitude)
                  : static_cast<int64_t>(magnitude);
  return true;
}

bool ParsePid(const std::string& text, bool allow_zero, pid_t* out) {
  uint64_t value = 0;
  if (!ParseUnsigned(text, 0x7fffffff, &value)) return false;
  if (value == 0 && !allow_zero) return false;
  *out = static_cast<pid_t>(value);
  return true;
}

// A folder inside J: "-" for none, else one plain name.
bool ParseFolder(const std::string& raw, std::string* out) {
  if (raw == kNoFolder) {
    out->clear();
    return true;
  }
  if (!Unescape(raw, out)) return false;
  return !out->empty() && *out != "." && *out != ".." &&
         out->find('/') == std::string::npos &&
         out->find('\0') == std::string::npos;
}

bool ParseStarted(const std::string& text, profile_format::Started* out) {
  for (uint32_t value = profile_format::kStartedFirst;
       value <= profile_format::kStartedFork; ++value) {
    const auto started = static_cast<profile_format::Started>(value);
    if (text == profile_format::StartedName(started)) {
      *out = started;
      return true;
    }
  }
  return false;
}

bool ParseStart(const std::vector<std::string>& raw, JobLogEntry* entry) {
  if (raw.size() < 7) return false;
  entry->kind = JobLogEntry::kStart;
  if (!ParsePid(raw[1], false, &entry->pid) ||
      !ParsePid(raw[2], true, &entry->parent_pid) ||
      !ParseUnsigned(raw[3], UINT64_MAX, &entry->start_ticks) ||
      !ParseStarted(raw[4], &entry->started) ||
      !ParseFolder(raw[5], &entry->folder) ||
      !Unescape(raw[6], &entry->program)) {
    return false;
  }
  size_t args_end = raw.size();
  if (args_end > 7 && raw.back() == kDropped) {
    entry->argv_truncated = true;
    --args_end;
  }
  for (size_t i = 7; i < args_end; ++i) {
    std::string arg;
    if (!Unescape(raw[i], &arg)) return false;
    entry->argv.push_back(std::move(arg));
  }
  return true;
}

bool ParseEnd(const std::vector<std::string>& raw, JobLogEntry* entry) {
  if (raw.size() != 8) return false;
  entry->kind = JobLogEntry::kEnd;
  int64_t code = 0;
  if (!ParsePid(raw[1], false, &entry->pid) ||
      !ParseUnsigned(raw[2], UINT64_MAX, &entry->start_ticks) ||
      !ParseSigned(raw[4], INT32_MIN, INT32_MAX, &code) ||
      !ParseSigned(raw[5], INT64_MIN, INT64_MAX, &entry->peak_bytes) ||
      (raw[6] != "0" && raw[6] != "1") ||
      !ParseFolder(raw[7], &entry->folder)) {
    return false;
  }
  bool known = false;
  for (const char* ending : kEndings) known = known || raw[3] == ending;
  if (!known) return false;
  entry->ending = raw[3];
  entry->code = static_cast<int>(code);
  entry->python = raw[6] == "1";
  return true;
}

}  // namespace

size_t FormatJobLogStart(const JobLogStart& start, char* buffer,
                         size_t capacity) {
  const char* started = profile_format::StartedName(start.started);
  if (started == nullptr || start.folder == nullptr ||
      start.program == nullptr || buffer == nullptr) {
    return 0;
  }
  LineWriter line(buffer, capacity);
  line.Text("start");
  line.Tab();
  line.Signed(start.pid);
  line.Tab();
  line.Signed(start.parent_pid);
  line.Tab();
  line.Unsigned(start.start_ticks);
  line.Tab();
  line.Text(started);
  line.Tab();
  FolderField(&line, start.folder);
  line.Tab();
  line.Field(start.program);
  if (!line.ok()) return 0;
  const int argc = start.argv == nullptr ? 0 : start.argc;
  size_t all = 1;  // every argument, and the '\n'
  for (int i = 0; i < argc; ++i) all += 1 + ArgLength(Arg(start, i));
  // When they do not all fit, each one kept must leave room for "\t...\n".
  const size_t kTail = 1 + sizeof(kDropped) - 1 + 1;
  const bool dropping = all > line.room();
  if (dropping && line.room() < kTail) return 0;
  for (int i = 0; i < argc; ++i) {
    const size_t length = 1 + ArgLength(Arg(start, i));
    if (dropping && line.room() < length + kTail) {
      line.Tab();
      line.Text(kDropped);
      break;
    }
    line.Tab();
    ArgField(&line, Arg(start, i));
  }
  line.Char('\n');
  return line.ok() ? line.size() : 0;
}

size_t FormatJobLogEnd(const JobLogEnd& end, char* buffer, size_t capacity) {
  if (end.ending == nullptr || end.folder == nullptr || buffer == nullptr) {
    return 0;
  }
  LineWriter line(buffer, capacity);
  line.Text("end");
  line.Tab();
  line.Signed(end.pid);
  line.Tab();
  line.Unsigned(end.start_ticks);
  line.Tab();
  line.Field(end.ending);
  line.Tab();
  line.Signed(end.code);
  line.Tab();
  line.Signed(end.peak_bytes);
  line.Tab();
  line.Char(end.python ? '1' : '0');
  line.Tab();
  FolderField(&line, end.folder);
  line.Char('\n');
  return line.ok() ? line.size() : 0;
}

bool AppendJobLogLine(int job_dir_fd, const char* line, size_t length) {
  if (!UsableLine(line, length)) return false;
  int fd =
      openat(job_dir_fd, kJobLogName, kAppendFlags | O_CREAT | O_EXCL, 0666);
  if (fd < 0 && errno == EEXIST) {
    fd = openat(job_dir_fd, kJobLogName, kAppendFlags);
  }
  return WriteLine(CheckedLog(fd), line, length);
}

bool AppendJobLogLineAt(const char* log_path, const char* line, size_t length) {
  if (log_path == nullptr || !UsableLine(line, length)) return false;
  return WriteLine(CheckedLog(open(log_path, kAppendFlags)), line, length);
}

bool ParseJobLog(const std::string& text, std::vector<JobLogEntry>* entries,
                 int* skipped) {
  if (entries == nullptr) return false;
  entries->clear();
  int bad = 0;
  size_t from = 0;
  while (from < text.size()) {
    const size_t newline = text.find('\n', from);
    if (newline == std::string::npos) {
      ++bad;  // a line cut short (a full disk, a truncated copy)
      break;
    }
    const std::vector<std::string> raw =
        SplitRaw(text.substr(from, newline - from));
    from = newline + 1;
    JobLogEntry entry;
    bool ok = false;
    if (raw[0] == "start") {
      ok = ParseStart(raw, &entry);
    } else if (raw[0] == "end") {
      ok = ParseEnd(raw, &entry);
    }
    if (ok) {
      entries->push_back(std::move(entry));
    } else {
      ++bad;
    }
  }
  if (skipped != nullptr) *skipped = bad;
  return true;
}

}  // namespace tidemark
