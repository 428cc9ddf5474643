/** A module that does not load: its top level throws. */
throw new Error('this module is broken on purpose');
