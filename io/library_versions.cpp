#include "io/library_versions.h"

#include "core/version.h"

#ifdef DIFFRECON_HAS_ITK
#include <itkVersion.h>
#endif
#ifdef DIFFRECON_HAS_DCMTK
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcuid.h>
#endif
#ifdef DIFFRECON_HAS_ISMRMRD
#include <ismrmrd/version.h>
#endif

namespace diffrecon {

std::vector<std::pair<std::string, std::string>> linked_library_versions() {
  std::vector<std::pair<std::string, std::string>> versions{{"LibTorch", torch_version()}};
#ifdef DIFFRECON_HAS_ITK
  versions.emplace_back("ITK", itk::Version::GetITKVersion());
#endif
#ifdef DIFFRECON_HAS_DCMTK
  versions.emplace_back("DCMTK", OFFIS_DCMTK_VERSION_STRING);
#endif
#ifdef DIFFRECON_HAS_ISMRMRD
  versions.emplace_back("ISMRMRD", std::to_string(ISMRMRD_VERSION_MAJOR) + "." + std::to_string(ISMRMRD_VERSION_MINOR) +
                                       "." + std::to_string(ISMRMRD_VERSION_PATCH));
#endif
  return versions;
}

}  // namespace diffrecon
