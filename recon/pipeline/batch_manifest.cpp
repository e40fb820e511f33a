#include "recon/pipeline/batch_manifest.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace diffrecon {
namespace fs = std::filesystem;
namespace {

// Options whose value is a file: resolved against the manifest's folder like input and out.
const std::set<std::string> kPathOptions{"--geometry", "--sens",   "--mask",     "--noise",   "--reference",
                                         "--patient-from", "--config", "--tls-ca", "--tls-cert", "--tls-key"};

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t\r") - begin + 1);
}

// One CSV record (RFC 4180 quoting, no line breaks inside fields).
std::vector<std::string> csv_fields(const std::string& line, const std::string& where) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(trim(field));
      field.clear();
    } else {
      field += c;
    }
  }
  if (quoted) throw BatchManifestError(where + ": unterminated quote");
  fields.push_back(trim(field));
  return fields;
}

std::vector<std::string> split_words(const std::string& text) {
  std::istringstream stream(text);
  std::vector<std::string> words;
  for (std::string word; stream >> word;) words.push_back(word);
  return words;
}

fs::path resolve(const fs::path& base, const std::string& value) {
  const fs::path path(value);
  if (path.is_absolute()) return path;
  // Keep a trailing '/' (it marks a study folder output).
  return base / path;
}

BatchStudy make_study(const fs::path& base, std::string id, std::string modality, const std::string& input,
                      const std::string& out, std::vector<std::string> options, const std::string& where) {
  if (modality != "mri" && modality != "ct")
    throw BatchManifestError(where + ": modality '" + modality + "' is not mri or ct");
  if (input.empty()) throw BatchManifestError(where + ": no input (the k-space or sinogram file)");
  if (out.empty()) throw BatchManifestError(where + ": no out (the study's output folder)");
  BatchStudy study;
  study.modality = std::move(modality);
  study.input = resolve(base, input);
  study.out = resolve(base, out);
  if (study.out.filename().empty()) study.out = study.out.parent_path();
  study.id = id.empty() ? study.out.filename().string() : std::move(id);
  for (size_t i = 0; i < options.size(); ++i) {
    study.options.push_back(options[i]);
    const auto equals = options[i].find('=');
    const auto name = options[i].substr(0, equals);
    if (!kPathOptions.count(name)) continue;
    if (equals != std::string::npos) {
      study.options.back() = name + "=" + resolve(base, options[i].substr(equals + 1)).string();
    } else if (i + 1 < options.size()) {
      study.options.push_back(resolve(base, options[++i]).string());
    }
  }
  study.where = where;
  return study;
}

}  // namespace

static std::vector<BatchStudy> parse_batch_manifest(const fs::path& path) {
  std::ifstream file(path);
  if (!file) throw BatchManifestError("cannot read batch manifest '" + path.string() + "'");
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string text = buffer.str();
  const auto base = path.parent_path();
  std::vector<BatchStudy> studies;
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (text[first] == '[' || text[first] == '{')) {
    nlohmann::json entries;
    try {
      entries = nlohmann::json::parse(text);
    } catch (const std::exception& error) {
      throw BatchManifestError("batch manifest '" + path.string() + "' is not valid JSON: " + error.what());
    }
    if (!entries.is_array())
      throw BatchManifestError("batch manifest '" + path.string() + "': expected a JSON array of studies");
    for (size_t i = 0; i < entries.size(); ++i) {
      const auto where = path.string() + " entry " + std::to_string(i + 1);
      const auto& e = entries[i];
      if (!e.is_object()) throw BatchManifestError(where + ": expected an object");
      for (const auto& [key, value] : e.items())
        if (key != "id" && key != "modality" && key != "input" && key != "out" && key != "options")
          throw BatchManifestError(where + ": unknown key '" + key + "' (expected id, modality, input, out, options)");
      auto text_of = [&](const char* key) -> std::string {
        if (!e.contains(key)) return "";
        if (!e[key].is_string()) throw BatchManifestError(where + ": '" + key + "' must be a string");
        return e[key].get<std::string>();
      };
      std::vector<std::string> options;
      if (e.contains("options")) {
        if (e["options"].is_string()) options = split_words(e["options"].get<std::string>());
        else if (e["options"].is_array())
          for (const auto& o : e["options"]) {
            if (!o.is_string()) throw BatchManifestError(where + ": 'options' must hold strings");
            options.push_back(o.get<std::string>());
          }
        else throw BatchManifestError(where + ": 'options' must be a string or a list of strings");
      }
      studies.push_back(make_study(base, text_of("id"), text_of("modality"), text_of("input"), text_of("out"),
                                   options, where));
    }
    return studies;
  }
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  std::vector<std::string> header;
  while (std::getline(lines, line)) {
    ++number;
    if (trim(line).empty() || trim(line)[0] == '#') continue;
    const auto where = path.string() + " line " + std::to_string(number);
    auto fields = csv_fields(line, where);
    if (header.empty()) {
      header = fields;
      for (const auto* required : {"modality", "input", "out"})
        if (std::find(header.begin(), header.end(), required) == header.end())
          throw BatchManifestError(where + ": the header has no '" + required +
                                   "' column (expected id,modality,input,out,options)");
      for (const auto& column : header)
        if (column != "id" && column != "modality" && column != "input" && column != "out" && column != "options")
          throw BatchManifestError(where + ": unknown column '" + column + "' (expected id,modality,input,out,options)");
      continue;
    }
    if (fields.size() != header.size())
      throw BatchManifestError(where + " has " + std::to_string(fields.size()) + " fields; the header has " +
                               std::to_string(header.size()));
    auto field = [&](const char* name) {
      const auto at = std::find(header.begin(), header.end(), name);
      return at == header.end() ? std::string() : fields[static_cast<size_t>(at - header.begin())];
    };
    studies.push_back(make_study(base, field("id"), field("modality"), field("input"), field("out"),
                                 split_words(field("options")), where));
  }
  if (header.empty()) throw BatchManifestError("batch manifest '" + path.string() + "' is empty");
  return studies;
}

namespace {

// Whether `inner` is `outer` or lies inside it (lexically, after normalisation).
bool same_or_inside(const fs::path& inner, const fs::path& outer) {
  const auto a = inner.lexically_normal(), b = outer.lexically_normal();
  auto i = a.begin();
  for (auto o = b.begin(); o != b.end(); ++o, ++i) {
    if (o->empty()) continue;  // a trailing separator
    if (i == a.end() || *i != *o) return false;
  }
  return true;
}

}  // namespace

std::vector<BatchStudy> read_batch_manifest(const fs::path& path) {
  auto studies = parse_batch_manifest(path);
  if (studies.empty()) throw BatchManifestError("batch manifest '" + path.string() + "' lists no studies");
  // Shards, logs and the merge name a study by its id, and each study folder is replaced as a whole:
  // two studies with one id, or one output folder inside another, would overwrite each other.
  for (size_t a = 0; a < studies.size(); ++a)
    for (size_t b = a + 1; b < studies.size(); ++b) {
      if (studies[a].id == studies[b].id)
        throw BatchManifestError(studies[b].where + ": id '" + studies[b].id + "' is also the id of " + studies[a].where +
                                 " (expected a unique id per study)");
      if (same_or_inside(studies[a].out, studies[b].out) || same_or_inside(studies[b].out, studies[a].out))
        throw BatchManifestError(studies[b].where + ": output folder '" + studies[b].out.string() + "' overlaps '" +
                                 studies[a].out.string() + "' of " + studies[a].where +
                                 " (expected a separate folder per study)");
    }
  return studies;
}


}  // namespace diffrecon
