// Declarations of every built-in op (each defined, as data plus code, in its own file here).
#pragma once

#include "engine/op_spec.h"

namespace tessera::engine::ops {

extern const OpSpec kResize;
extern const OpSpec kThumbnail;
extern const OpSpec kCrop;
extern const OpSpec kRotate;
extern const OpSpec kFlip;
extern const OpSpec kBlur;
extern const OpSpec kSharpen;
extern const OpSpec kEdges;
extern const OpSpec kBrightness;
extern const OpSpec kContrast;
extern const OpSpec kSaturation;
extern const OpSpec kGamma;
extern const OpSpec kGrayscale;
extern const OpSpec kInvert;
extern const OpSpec kDetect;
extern const OpSpec kRedact;
extern const OpSpec kFormat;

}  // namespace tessera::engine::ops
