import { Type } from '@sinclair/typebox';

export const EventTypeSchema = Type.Object(
  {
    type: Type.String({ description: 'the event type; `*` describes workflow-defined names' }),
    subject_type: Type.String(),
    description: Type.String(),
    payload: Type.Unknown({ description: 'JSON Schema of the payload (the envelope\'s `data`)' }),
  },
);

export const EventTypeListSchema = Type.Object({
  envelope: Type.Unknown({ description: 'JSON Schema of the envelope every transport sends' }),
  data: Type.Array(EventTypeSchema),
});
