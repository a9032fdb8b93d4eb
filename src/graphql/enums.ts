import { CUSTOM_FIELD_TYPES } from '../modules/custom-fields/custom-fields.schemas.ts';
import { EVENT_STATUSES } from '../modules/events/events.schemas.ts';
import { builder } from './builder.ts';

// Enums several features share; names and values are fixed by CONTRACT §9.
export const RoleEnum = builder.enumType('Role', { values: ['OWNER', 'ADMIN', 'STAFF'] as const });
export const ApiKeyEnvironmentEnum = builder.enumType('ApiKeyEnvironment', { values: ['LIVE', 'TEST'] as const });
export const EventStatusEnum = builder.enumType('EventStatus', { values: EVENT_STATUSES });
export const CustomFieldTypeEnum = builder.enumType('CustomFieldType', { values: CUSTOM_FIELD_TYPES });
