// The built-in features, in start-up order. The composition root hands this
// list to the runtime, which knows no feature by name.
import type { FeatureDefinition } from '../runtime/feature/api.ts';
import { esFeature, type EsSections } from './es/feature.ts';
import { kafkaFeature } from './kafka/feature.ts';
import type { KafkaSections } from './kafka/sections.ts';
import { modbusFeature } from './modbus/feature.ts';
import type { ModbusSections } from './modbus/sections.ts';
import { sysFeature } from './sys/feature.ts';

/** The config sections of every built-in feature (for typing sidecar.config.ts). */
export type BuiltinSections = KafkaSections & ModbusSections & EsSections;

export const builtinFeatures: readonly FeatureDefinition[] = [sysFeature, kafkaFeature, modbusFeature, esFeature] as readonly FeatureDefinition[];
