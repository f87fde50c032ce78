#pragma once
// How numbers and shapes read in every view: one spelling across tables, trees and panels.

#include "tensor/tensor.h"

#include <QString>

namespace qs::ui {

// "120×360"; "scalar" for a rank-0 tensor.
QString shapeText(const Shape& shape);

// Decibels to two decimals; SQNR is +Inf when a tensor survives quantization exactly
// (zeros, or a per-element scale), shown as ∞.
QString decibelText(double value);

} // namespace qs::ui
