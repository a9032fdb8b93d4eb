import { CustomFieldType, EventStatus } from '../generated/prisma/enums.ts';
import { builder } from './builder.ts';

// Enums several features share; names and values are fixed by CONTRACT §9 (the database's own enums).
export const RoleEnum = builder.enumType('Role', { values: ['OWNER', 'ADMIN', 'STAFF'] as const });
export const ApiKeyEnvironmentEnum = builder.enumType('ApiKeyEnvironment', { values: ['LIVE', 'TEST'] as const });
export const EventStatusEnum = builder.enumType('EventStatus', { values: Object.values(EventStatus) });
export const CustomFieldTypeEnum = builder.enumType('CustomFieldType', { values: Object.values(CustomFieldType) });
