// The CT projectors (ct/joseph_projector.h) in the shared operator conformance suite
// (tests/operator_conformance.h): small grids, off-centre and with a detector offset.
#include "ct/joseph_projector.h"
#include "tests/operator_conformance.h"

namespace diffrecon::testing {
namespace {

std::vector<OperatorCase> projector_cases() {
  return {
      {"JosephParallelBeam",
       [] {
         auto geometry = ct::ParallelBeamGeometry::uniform(7, 13, 0.9, 180.0, 3.0);
         geometry.detector_offset_mm = 0.35;
         return ct::make_projector(geometry, ct::ImageGrid{9, 8, 1.1, 0.3, -0.2});
       }},
      {"JosephFanBeamFlat",
       [] {
         auto geometry = ct::FanBeamGeometry::full_scan(6, 11, 1.7, 30.0, 55.0, ct::DetectorShape::Flat);
         return ct::make_projector(geometry, ct::ImageGrid{8, 9, 1.0, -0.4, 0.25});
       }},
      {"JosephFanBeamFlatSparseMatrix",  // the path CUDA tensors take
       [] {
         auto geometry = ct::FanBeamGeometry::full_scan(6, 11, 1.7, 30.0, 55.0, ct::DetectorShape::Flat);
         return ct::make_projector(geometry, ct::ImageGrid{8, 9, 1.0, -0.4, 0.25},
                                   ct::JosephProjector::Backend::SparseMatrix);
       }},
      {"JosephFanBeamCurvedShortScan",
       [] {
         auto geometry = ct::FanBeamGeometry::short_scan(7, 12, 1.6, 28.0, 50.0, ct::DetectorShape::Curved);
         return ct::make_projector(geometry, ct::ImageGrid::square(8, 1.2));
       }},
  };
}

}  // namespace

DIFFRECON_OPERATOR_CONFORMANCE(Ct, projector_cases());

}  // namespace diffrecon::testing
