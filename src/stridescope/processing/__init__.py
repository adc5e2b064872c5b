"""Signal processing on trials: unit and axis conventions, filtering, gap filling."""
