// How DiffRecon's errors reach an ITK pipeline: as itk::ExceptionObject subclasses, so
// `catch (itk::ExceptionObject&)` around Update() sees them with DiffRecon's message.
// InvalidReconstructionInputException: the data or the settings cannot work (core/error.h's
// InputError: a shape, a coil count, a prior that does not fit); ReconstructionException: the rest.
// An aborted run (AbortGenerateData) raises ITK's own itk::ProcessAborted.
#pragma once

#include "itkMacro.h"

namespace diffrecon {

class ReconstructionException : public itk::ExceptionObject {
 public:
  using itk::ExceptionObject::ExceptionObject;
  itkTypeMacro(ReconstructionException, ExceptionObject);
};

class InvalidReconstructionInputException : public ReconstructionException {
 public:
  using ReconstructionException::ReconstructionException;
  itkTypeMacro(InvalidReconstructionInputException, ReconstructionException);
};

}  // namespace diffrecon
