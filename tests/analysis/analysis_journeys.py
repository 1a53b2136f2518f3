"""Journeys for the analysis tests, written as a person would (YAML text)."""

from __future__ import annotations

IPA_JOURNEY = """\
schema_version: 2
id: ipa-check
title: IPA check · 检查 🚀
stages:
  - id: discover
    title: Discover
    owner: {department: Marketing}
  - id: buy
    title: Buy
touchpoints:
  - id: a
    title: Pricing page
    stage: discover
    importance:
      external: {value: 4.5, provenance: {source: survey, sample_size: 10}}
    performance:
      external: {value: 2, provenance: {source: survey, sample_size: 10}}
  - id: b
    title: Demo call
    stage: discover
    importance:
      internal: {value: 3, provenance: {source: manual}}
      external: {value: 4, provenance: {source: survey, sample_size: 10}}
    performance:
      internal: {value: 5, provenance: {source: manual}}
      external: {value: 4.5, provenance: {source: survey, sample_size: 10}}
  - id: c
    title: Newsletter
    stage: discover
    importance:
      external: {value: 2, provenance: {source: survey, sample_size: 10}}
    performance:
      external: {value: 2.5, provenance: {source: survey, sample_size: 10}}
  - id: d
    title: Gift wrap
    stage: buy
    importance:
      external: {value: 2.5, provenance: {source: survey, sample_size: 10}}
    performance:
      external: {value: 4, provenance: {source: survey, sample_size: 10}}
  - id: e
    title: Checkout
    stage: buy
    importance:
      external: {value: 3, provenance: {source: survey, sample_size: 10}}
    performance:
      external: {value: 3, provenance: {source: survey, sample_size: 10}}
  - id: f
    title: Invoice
    stage: buy
    importance:
      internal: {value: 5, provenance: {source: manual}}
      external: {value: 1, provenance: {source: survey, sample_size: 3}}
    performance:
      internal: {value: 1, provenance: {source: manual}}
      external: {value: 5, provenance: {source: survey, sample_size: 3}}
  - id: g
    title: Delivery SMS
    stage: buy
    owner: {department: Logistics}
    importance:
      internal: {value: 5, provenance: {source: manual}}
    performance:
      internal: {value: 1, provenance: {source: manual}}
  - id: h
    title: Unrated touchpoint
    stage: buy
"""
